"""The shipped exercise library (prescriptions/data/exercises.json) and its loader. No DB."""

import copy
import json
from graphlib import TopologicalSorter

import pytest

from prescriptions.library.shipped import (
    DATA_PATH,
    GLUTEAL_TENDINOPATHY,
    CautionKind,
    DoseType,
    LibraryDataError,
    default_library,
    exercise_search,
    library_parse,
    library_validate,
)


@pytest.fixture(scope="module")
def raw():
    with DATA_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def lib():
    return default_library()


def refs(exercises):
    return [e.ref for e in exercises]


# --- The shipped data ----------------------------------------------------------------------


def test_it_ships_at_least_35_exercises_with_unique_slugs(raw, lib):
    slugs = [e["slug"] for e in raw["exercises"]]
    assert len(slugs) >= 35
    assert len(set(slugs)) == len(slugs)
    assert len(lib) == len(slugs)


def test_it_covers_every_exercise_of_clinical_md_section_3(lib):
    assert {f"E{n:02d}" for n in range(1, 38)} <= {e.ref for e in lib.exercises}


def test_the_shipped_data_passes_every_check(raw):
    assert library_validate(raw) == []


def test_every_linked_slug_exists(raw):
    slugs = {e["slug"] for e in raw["exercises"]}
    for e in raw["exercises"]:
        assert set(e["regressions"]) <= slugs, e["slug"]
        assert set(e["progressions"]) <= slugs, e["slug"]


def test_progressions_never_lead_back_to_an_easier_exercise(raw):
    easier = {e["slug"]: set(e["regressions"]) for e in raw["exercises"]}
    for e in raw["exercises"]:
        for harder in e["progressions"]:
            easier[harder].add(e["slug"])
    TopologicalSorter(easier).prepare()  # raises CycleError on a cycle


def test_every_exercise_has_what_the_patient_and_the_filters_need(lib):
    for e in lib.exercises:
        assert 3 <= len(e.instructions) <= 6, e.slug
        assert 2 <= len(e.cues) <= 4, e.slug
        assert e.primary_muscles and e.load_types, e.slug
        assert e.level in lib.levels, e.slug
        assert isinstance(e.weight_bearing, bool) and isinstance(e.per_side, bool)
    assert {e.dose_type for e in lib.exercises} == set(DoseType)


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        # CLINICAL.md §3 "Progression chains"; E38 is the chain's single-leg hip thrust.
        ("abductor", [["E01"], ["E02"], ["E04"], ["E05"], ["E06"], ["E18"], ["E19", "E20"],
                      ["E16"], ["E17"]]),
        ("extensor", [["E03"], ["E09"], ["E10"], ["E11"], ["E12"], ["E14"], ["E38"]]),
        ("functional-single-leg", [["E21"], ["E22"], ["E23"], ["E24", "E25"], ["E26"], ["E27"],
                                   ["E28"], ["E29"], ["E30"], ["E31"]]),
        ("power", [["E29", "E30"], ["E34"], ["E35", "E36"]]),
    ],
)  # fmt: skip
def test_chains_follow_clinical_md(lib, chain, expected):
    steps = [sorted(refs(lib.chain_exercises(chain, n))) for n in range(1, len(expected) + 1)]
    assert steps == expected
    assert lib.chain_exercises(chain, len(expected) + 1) == ()


def test_the_next_step_of_a_chain_is_offered_first_as_a_progression(lib):
    assert lib.exercise("clam").progressions[0] == "banded-clam"
    assert lib.exercise("single-leg-bridge").progressions[0] == "hip-thrust"
    assert lib.exercise("banded-clam").regressions == ("clam",)


def test_side_lying_abduction_and_side_planks_are_flagged_for_early_gluteal_tendinopathy(lib):
    flagged = refs(lib.avoid_early(GLUTEAL_TENDINOPATHY))
    # E06, E16, E17 as CLINICAL.md §3 names them; E32 starts in hip adduction under load.
    assert sorted(flagged) == ["E06", "E16", "E17", "E32"]
    for e in lib.avoid_early(GLUTEAL_TENDINOPATHY):
        assert GLUTEAL_TENDINOPATHY not in e.suits
        assert "gluteal tendinopathy" in e.cautions_for([GLUTEAL_TENDINOPATHY])[0].text.lower()


def test_the_leap_exercises_suit_gluteal_tendinopathy_without_an_avoid_caution(lib):
    # Static abduction, bridging, offset bridge, squat, offset squat, side-stepping (§4.4).
    leap = ["E01", "E02", "E09", "E11", "E22", "E23", "E19"]
    for e in lib.exercises:
        if e.ref in leap:
            assert GLUTEAL_TENDINOPATHY in e.suits, e.ref
            assert not e.avoid_early_for(GLUTEAL_TENDINOPATHY), e.ref


def test_cautions_for_a_patient_include_general_ones_and_their_conditions_only(lib):
    sit_to_stand = lib.exercise("sit-to-stand")
    assert {c.condition for c in sit_to_stand.cautions_for(["tha"])} == {"tha"}
    assert sit_to_stand.cautions_for(["acl"]) == ()
    hop = lib.exercise("hop-and-stick")
    assert [c.kind for c in hop.cautions_for([])] == [CautionKind.PRECAUTION]


# --- The checks catch broken data ----------------------------------------------------------


def _exercise(data, slug):
    return next(e for e in data["exercises"] if e["slug"] == slug)


def _break_duplicate(data):
    _exercise(data, "clam")["slug"] = "banded-clam"


def _break_reference(data):
    _exercise(data, "clam")["progressions"].append("moon-walk")


def _break_symmetry(data):
    _exercise(data, "clam")["progressions"].append("hip-thrust")


def _break_cycle(data):
    _exercise(data, "side-plank-hip-abduction")["progressions"].append("clam")
    _exercise(data, "clam")["regressions"].append("side-plank-hip-abduction")


def _break_chain_link(data):
    _exercise(data, "monster-walk")["regressions"].remove("standing-hip-abduction")
    _exercise(data, "standing-hip-abduction")["progressions"].remove("monster-walk")


def _break_chain_gap(data):
    _exercise(data, "side-plank-hip-abduction")["chains"] = [{"chain": "abductor", "step": 11}]


def _break_schema(data):
    _exercise(data, "clam")["cues"] = ["Only one cue."]


def _break_vocabulary(data):
    _exercise(data, "clam")["primary_muscles"].append("biceps")


def _break_distance(data):
    del _exercise(data, "suitcase-carry")["distance_m"]


def _break_contradiction(data):
    _exercise(data, "side-plank")["suits"].append(GLUTEAL_TENDINOPATHY)


@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        (_break_duplicate, "duplicate slug 'banded-clam'"),
        (_break_reference, "unknown exercise 'moon-walk'"),
        (_break_symmetry, "does not list 'clam' as a regression"),
        (_break_cycle, "cycle"),
        (_break_chain_link, "'monster-walk' does not regress to the step before"),
        (_break_chain_gap, "step 10 has no exercise"),
        (_break_schema, "exercises[3].cues"),
        (_break_vocabulary, "unknown primary_muscles value 'biceps'"),
        (_break_distance, "'distance_m' is a required property"),
        (_break_contradiction, "suits 'gluteal_tendinopathy' yet is to be avoided"),
    ],
)
def test_it_reports_broken_data(raw, breaker, expected):
    data = copy.deepcopy(raw)
    breaker(data)
    problems = library_validate(data)
    assert any(expected in p for p in problems), problems
    with pytest.raises(LibraryDataError) as exc:
        library_parse(data)
    assert exc.value.problems == problems


# --- Search --------------------------------------------------------------------------------


def test_it_searches_names_case_and_accent_blind(lib):
    found = exercise_search(lib.exercises, text="BRÍDGE single")
    assert [e.slug for e in found] == ["single-leg-bridge", "single-leg-bridge-heel-on-box"]
    assert refs(exercise_search(lib.exercises, text="e14")) == ["E14"]


def test_it_filters_by_muscle_level_and_weight_bearing(lib):
    found = exercise_search(lib.exercises, muscle="gluteus_minimus", weight_bearing=False)
    assert refs(found) == ["E01", "E06"]
    beginners = exercise_search(lib.exercises, max_level=1)
    assert beginners and all(e.level == 1 for e in beginners)
    assert all(e.level == 5 for e in exercise_search(lib.exercises, level=5))


def test_equipment_matches_what_the_exercise_needs_or_can_be_loaded_with(lib):
    with_dumbbell = exercise_search(lib.exercises, equipment="dumbbell")
    assert "squat" in [e.slug for e in with_dumbbell]  # goblet squat: a load type
    at_home = exercise_search(lib.exercises, available_equipment={"mat", "chair"})
    assert all(set(e.equipment) <= {"mat", "chair"} for e in at_home)
    assert "sit-to-stand" in [e.slug for e in at_home]
    assert "lateral-band-walk" not in [e.slug for e in at_home]


def test_it_filters_by_condition_and_drops_exercises_to_avoid(lib):
    gt = exercise_search(lib.exercises, condition=GLUTEAL_TENDINOPATHY)
    assert "glute-bridge" in [e.slug for e in gt]
    safe_abductor = exercise_search(
        lib.exercises, chain="abductor", safe_for=[GLUTEAL_TENDINOPATHY]
    )
    assert refs(safe_abductor) == ["E01", "E02", "E04", "E05", "E18", "E19", "E20"]


def test_a_chain_filter_returns_the_chain_in_order(lib):
    assert refs(exercise_search(lib.exercises, chain="power")) == [
        "E29", "E30", "E34", "E35", "E36",
    ]  # fmt: skip
