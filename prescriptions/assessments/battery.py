"""The gluteal function battery as data: every test's fields, units, ranges, derived
values, thresholds and reference figures, each with its source (CLINICAL.md §1).

Pure data and small helpers; no ORM. Code elsewhere reads this registry instead of
repeating figures:
- forms.py builds one input per (test, side, field) from `FieldSpec`;
- models.py turns every field's range and choices into database check constraints (so a
  change here needs a migration: `makemigrations --check` catches a forgotten one);
- derived.py computes the `DerivedSpec` values; the thresholds they are judged against
  are rules, in `prescriptions/rules/thresholds.py`.

Evidence tags follow CLINICAL.md: "V" seen in a retrieved source, "M" plausible but not yet
checked against the primary paper. Figures tagged "M" are kept here, in `REFERENCES`, and are
only ever shown as unverified reference values: no flag is raised from them.
"""

# ruff: noqa: RUF001, RUF003 - clinical notation (×, ÷, −, en dashes) is intended

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from prescriptions.rules import measures
from prescriptions.rules.sources import Source
from prescriptions.vocabulary import Condition

VERSION = "2026.1"
"""Stored on each assessment, so a later reader knows which registry produced it."""

GRAVITY = Decimal("9.81")
"""m/s², as in CLINICAL.md §1.6: %BW = F / (mass × 9.81) × 100."""

NUMBER = "number"
CHOICE = "choice"

YES_NO = (("yes", "Yes"), ("no", "No"))
PAIN_NO_PAIN = (("pain", "Reproduces pain"), ("no_pain", "No pain"))
GOOD_FAIR_POOR = (("good", "Good"), ("fair", "Fair"), ("poor", "Poor"))

UNIT_WORDS = {
    "s": "seconds",
    "N": "newtons",
    "cm": "centimetres",
    "°": "degrees",
    "/10": "",
    "/6": "",
    "reps": "repetitions",
    "kg": "kilograms",
    "mmHg": "mmHg",
    "bpm": "beats per minute",
}
"""How a unit reads inside an error message ("between 0 and 30 seconds")."""


@dataclass(frozen=True)
class FieldSpec:
    """One recorded value of a test, on each side (`sided`) or once for the test."""

    name: str
    label: str
    kind: str = NUMBER
    unit: str = ""
    min: Decimal | None = None
    max: Decimal | None = None
    places: int = 0
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    sided: bool = True

    def choice_label(self, value: str) -> str:
        return dict(self.choices).get(value, value)

    @property
    def unit_label(self) -> str:
        """The unit as written after a label: "s", "N", or "0 to 10" for a /10 score."""
        return f"0 to {self.unit[1:]}" if self.unit.startswith("/") else self.unit


@dataclass(frozen=True)
class DerivedSpec:
    """A value worked out from recorded ones by derived.py, stored beside them."""

    name: str
    label: str
    unit: str = ""
    places: int = 1
    sided: bool = True
    kind: str = NUMBER
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""

    def choice_label(self, value: str) -> str:
        return dict(self.choices).get(value, value)


@dataclass(frozen=True)
class TestDefinition:
    code: str
    name: str
    purpose: str
    protocol: str
    source: Source
    fields: tuple[FieldSpec, ...]
    derived: tuple[DerivedSpec, ...] = ()
    caution: str = ""

    __test__ = False  # not a pytest test class, whatever its name says

    @property
    def sided_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.sided)

    @property
    def test_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if not f.sided)

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    def derived_spec(self, name: str) -> DerivedSpec:
        return next(d for d in self.derived if d.name == name)

    def spec(self, name: str) -> FieldSpec | DerivedSpec | None:
        """The recorded or derived value called `name`, if this test has one."""
        specs: tuple[FieldSpec | DerivedSpec, ...] = (*self.fields, *self.derived)
        return next((s for s in specs if s.name == name), None)


@dataclass(frozen=True)
class Reference:
    """A reference figure shown beside a test for context; never used for a flag."""

    test: str
    text: str
    source: Source


def _d(value: str) -> Decimal:
    return Decimal(value)


def _yes_no(name: str, label: str, hint: str = "", *, sided: bool = True) -> FieldSpec:
    return FieldSpec(name, label, CHOICE, choices=YES_NO, hint=hint, sided=sided)


def _nprs(name: str = "pain_nprs", label: str = "Pain", hint: str = "") -> FieldSpec:
    return FieldSpec(
        name,
        label,
        unit="/10",
        min=_d("0"),
        max=_d("10"),
        hint=hint or "Numeric pain rating: 0 = no pain, 10 = worst imaginable.",
    )


def _hhd(
    code: str, name: str, purpose: str, positions: tuple[tuple[str, str], ...]
) -> TestDefinition:
    return TestDefinition(
        code=code,
        name=name,
        purpose=purpose,
        protocol="Isometric, standardised position, stabilised; one familiarisation trial, then "
        "3 to 4 maximal efforts of 3 to 5 s. Record the maximum. Never compare across "
        "positions.",
        source=Source("Thorborg 2010; systematic-review recommendations", "V", "§1.6"),
        fields=(
            FieldSpec("position", "Position", CHOICE, choices=positions, sided=False),
            FieldSpec(
                "fixation",
                "Dynamometer",
                CHOICE,
                choices=(("belt", "Belt-fixed"), ("hand", "Held by the tester")),
                hint="Belt-fixed is preferred.",
                sided=False,
            ),
            FieldSpec(
                "force_n",
                "Peak force",
                unit="N",
                min=_d("0"),
                max=_d("1500"),
                places=1,
                hint="The maximum of the efforts, as read.",
            ),
            FieldSpec(
                "lever_arm_cm",
                "Lever arm",
                unit="cm",
                min=_d("5"),
                max=_d("120"),
                places=1,
                hint="Joint centre to the dynamometer pad.",
            ),
        ),
        derived=(
            DerivedSpec(
                "pct_bw", "Force as % body weight", "%BW", 1, hint="F ÷ (mass × 9.81) × 100"
            ),
            DerivedSpec("torque_nm", "Torque", "N·m", 1, hint="F × lever arm"),
            DerivedSpec("nm_per_kg", "Torque per kg", "N·m/kg", 2, hint="Torque ÷ body mass"),
            DerivedSpec(
                "lsi",
                "Limb symmetry index",
                "%",
                1,
                sided=False,
                hint="Involved ÷ uninvolved × 100 (weaker ÷ stronger without one affected side)",
            ),
        ),
    )


TESTS_IN_ORDER: tuple[TestDefinition, ...] = (
    TestDefinition(
        code="trendelenburg",
        name="Trendelenburg / 30 s single-leg stance",
        purpose="Hip-abductor function and pelvic drop.",
        protocol="Examiner behind. Lift the non-test foot (hip between neutral and 30° "
        "flexion, knee bent to clear the floor); lift the non-stance side of the pelvis as "
        "high as possible and hold 30 s, trunk centred over the stance foot.",
        source=Source("Hardcastle & Nade 1985, JBJS-B 67:741", "V", "§1.1"),
        caution="A screen: clinician observation agrees only weakly with 3-D pelvic motion. "
        "Pair it with dynamometry.",
        fields=(
            FieldSpec(
                "time_held_s",
                "Time held",
                unit="s",
                min=_d("0"),
                max=_d("30"),
                places=1,
                hint="30 if held the full time; the time to pelvic fall if not; 0 if the "
                "pelvis could not be lifted.",
            ),
            FieldSpec(
                "pelvic_response",
                "Pelvis on the lifted side",
                CHOICE,
                choices=(
                    ("elevates", "Lifts maximally"),
                    ("level", "Level, not maximal"),
                    ("drops", "Drops"),
                ),
            ),
            _yes_no("trunk_lean", "Trunk leans over the stance leg", "Compensated Trendelenburg."),
            FieldSpec(
                "support",
                "Support used",
                CHOICE,
                choices=(
                    ("none", "None"),
                    ("stick", "Stick, stance-side hand"),
                    ("shoulders", "Examiner steadies shoulders"),
                ),
            ),
            _nprs(),
            _yes_no(
                "caution",
                "Interpret with caution",
                "Back or leg pain, deformity or poor cooperation.",
            ),
        ),
        derived=(
            DerivedSpec(
                "result",
                "Result",
                kind=CHOICE,
                choices=(
                    ("negative", "Negative"),
                    ("positive", "Positive"),
                    ("positive_delayed", "Positive, delayed"),
                    ("zero_time", "Positive, zero-time"),
                ),
                hint="Hardcastle & Nade: negative when lifted maximally and held 30 s.",
            ),
        ),
    ),
    TestDefinition(
        code="sls_pain",
        name="30 s single-leg stance pain test",
        purpose="Does loading reproduce lateral hip pain? (A different question from "
        "the Trendelenburg test.)",
        protocol="Beside a wall, the tested leg furthest from it, one finger on the wall at "
        "shoulder height. Lift the other foot (knee 90°, hip neutral) and hold up to 30 s.",
        source=Source("Grimaldi 2017 (n = 65, MRI reference)", "V", "§1.2"),
        fields=(
            _nprs(hint="Numeric pain rating of the pain reproduced during the 30 s."),
            FieldSpec(
                "time_to_pain_s",
                "Time to pain onset",
                unit="s",
                min=_d("0"),
                max=_d("30"),
                places=1,
                hint="Leave empty when there was no pain.",
            ),
            FieldSpec(
                "pain_location",
                "Where",
                CHOICE,
                choices=(
                    ("lateral_hip", "Lateral hip"),
                    ("buttock", "Buttock"),
                    ("groin", "Groin"),
                    ("other", "Other"),
                ),
            ),
        ),
        derived=(
            DerivedSpec(
                "result",
                "Result",
                kind=CHOICE,
                choices=(("positive", "Positive"), ("negative", "Negative")),
                hint="Positive: lateral hip pain of 2/10 or more within 30 s.",
            ),
        ),
    ),
    TestDefinition(
        code="lateral_hip_provocation",
        name="Lateral hip provocation tests",
        purpose="The gluteal tendinopathy cluster used for LEAP trial eligibility.",
        protocol="Positive only when the test reproduces the patient's lateral hip pain.",
        source=Source("LEAP trial eligibility cluster (Grimaldi, Mellor)", "V", "§1.2"),
        fields=(
            FieldSpec("faber", "FABER", CHOICE, choices=PAIN_NO_PAIN),
            FieldSpec(
                "faber_static", "FABER with static contraction", CHOICE, choices=PAIN_NO_PAIN
            ),
            FieldSpec("fader", "FADER", CHOICE, choices=PAIN_NO_PAIN),
            FieldSpec("add", "ADD (passive side-lying adduction)", CHOICE, choices=PAIN_NO_PAIN),
            FieldSpec(
                "add_r", "ADD-R (adduction, resisted abduction)", CHOICE, choices=PAIN_NO_PAIN
            ),
            FieldSpec(
                "fader_r",
                "FADER-R (resisted internal rotation)",
                CHOICE,
                choices=PAIN_NO_PAIN,
                hint="Recorded, not part of the LEAP cluster.",
            ),
            FieldSpec(
                "palpation",
                "Greater trochanter tender to palpation",
                CHOICE,
                choices=YES_NO,
            ),
        ),
        derived=(
            DerivedSpec(
                "cluster",
                "LEAP cluster",
                kind=CHOICE,
                choices=(("met", "Met"), ("not_met", "Not met")),
                hint="Pain on FABER, FABER-static, FADER, ADD, ADD-R or the 30 s single-leg "
                "stance test, and tenderness on palpation.",
            ),
        ),
    ),
    TestDefinition(
        code="single_leg_squat",
        name="Single-leg squat",
        purpose="Movement quality, rated from the front; optional knee valgus angle.",
        protocol="Arms crossed on the chest; 5 slow squats (about 2 s each) as deep as "
        "controlled. FPPA: camera in front at knee height; angle at peak knee flexion, mean "
        "of 3 trials, positive = valgus.",
        source=Source("Crossley 2011, Am J Sports Med 39:866; Munro/Herrington FPPA", "V", "§1.4"),
        caution="The five criteria names are unverified [M]; the overall rating is the "
        "clinician's own, never computed from them.",
        fields=(
            FieldSpec(
                "rating",
                "Overall rating (Crossley)",
                CHOICE,
                choices=GOOD_FAIR_POOR,
            ),
            FieldSpec("crit_overall", "Overall impression", CHOICE, choices=GOOD_FAIR_POOR),
            FieldSpec("crit_trunk", "Trunk posture", CHOICE, choices=GOOD_FAIR_POOR),
            FieldSpec("crit_pelvis", "Pelvis in space", CHOICE, choices=GOOD_FAIR_POOR),
            FieldSpec("crit_hip", "Hip joint", CHOICE, choices=GOOD_FAIR_POOR),
            FieldSpec("crit_knee", "Knee joint", CHOICE, choices=GOOD_FAIR_POOR),
            FieldSpec(
                "fppa_deg",
                "Frontal-plane projection angle (FPPA)",
                unit="°",
                min=_d("-30"),
                max=_d("60"),
                places=1,
                hint="Optional. Positive = valgus; a minus sign for varus.",
            ),
        ),
        derived=(
            DerivedSpec(
                "fppa_diff",
                "FPPA side difference",
                "°",
                1,
                sided=False,
                hint="|left − right|; SEM 2 to 4°, so small changes are noise.",
            ),
        ),
    ),
    TestDefinition(
        code="lateral_step_down",
        name="Lateral step-down",
        purpose="Movement quality, scored 0 to 6.",
        protocol="Hands on the waist, test foot near the edge of the step, other leg held "
        "out over the floor; bend the stance knee until the other heel touches the floor, "
        "return; 5 repetitions.",
        source=Source("Piva 2006", "V", "§1.5"),
        fields=(
            FieldSpec(
                "step_height_cm",
                "Step height",
                unit="cm",
                min=_d("5"),
                max=_d("40"),
                hint="20 cm in Piva 2006; some clinics use 15 cm.",
                sided=False,
            ),
            _yes_no("arm", "Arm strategy: a hand leaves the waist (+1)"),
            _yes_no("trunk", "Trunk lean, any direction (+1)"),
            _yes_no("pelvis", "Pelvis loses horizontal (+1)"),
            FieldSpec(
                "knee",
                "Knee position",
                CHOICE,
                choices=(
                    ("none", "Over the 2nd toe (0)"),
                    ("toe", "Medial to the 2nd toe (+1)"),
                    ("foot", "Medial to the foot (+2)"),
                ),
                hint="Tibial tuberosity relative to the foot.",
            ),
            _yes_no(
                "unsteady",
                "Unsteady stance (+1)",
                "Steps down on the other leg or the foot wavers.",
            ),
            FieldSpec(
                "score",
                "Total score",
                unit="/6",
                min=_d("0"),
                max=_d("6"),
                hint="Enter the total, or record the five items and it is added up.",
            ),
        ),
        derived=(
            DerivedSpec("total", "Score", "/6", 0, hint="Sum of the five items"),
            DerivedSpec(
                "class",
                "Class",
                kind=CHOICE,
                choices=(("good", "Good"), ("moderate", "Moderate"), ("poor", "Poor")),
                hint="0 to 1 good, 2 to 3 moderate, 4 or more poor.",
            ),
        ),
    ),
    _hhd(
        "hhd_abduction",
        "Hip abduction strength (hand-held dynamometry)",
        "Hip abductor strength; supine has the best reliability.",
        (
            ("supine", "Supine"),
            ("side_lying", "Side-lying"),
            ("standing", "Standing"),
        ),
    ),
    _hhd(
        "hhd_extension",
        "Hip extension strength (hand-held dynamometry)",
        "Hip extensor strength.",
        (
            ("prone_knee_90", "Prone, knee bent 90°"),
            ("prone_knee_straight", "Prone, knee straight"),
            ("prone_standing", "Prone-standing over a plinth"),
        ),
    ),
    _hhd(
        "hhd_external_rotation",
        "Hip external rotation strength (hand-held dynamometry)",
        "Hip external rotator strength.",
        (
            ("seated", "Seated, hip and knee 90°"),
            ("prone", "Prone, knee bent 90°"),
            ("supine", "Supine"),
        ),
    ),
    TestDefinition(
        code="side_bridge",
        name="Side bridge and trunk endurance",
        purpose="Lateral trunk endurance and its balance with flexor and extensor endurance.",
        protocol="Hold to form failure. A right side bridge is done lying on the right side.",
        source=Source("McGill 1999, Arch Phys Med Rehabil 80:941", "V", "§1.7"),
        fields=(
            FieldSpec(
                "side_bridge_s",
                "Side bridge hold",
                unit="s",
                min=_d("0"),
                max=_d("600"),
                hint="Named for the side lying down.",
            ),
            FieldSpec(
                "extensor_s",
                "Extensor hold (Biering-Sørensen)",
                unit="s",
                min=_d("0"),
                max=_d("600"),
                hint="Optional; needed for the extension ratios.",
                sided=False,
            ),
            FieldSpec(
                "flexor_s",
                "Flexor hold",
                unit="s",
                min=_d("0"),
                max=_d("600"),
                hint="Optional.",
                sided=False,
            ),
        ),
        derived=(
            DerivedSpec(
                "ratio_r_l", "Right : left side bridge", "", 2, sided=False, hint="Right ÷ left"
            ),
            DerivedSpec(
                "flexion_extension",
                "Flexion : extension",
                "",
                2,
                sided=False,
                hint="Flexor ÷ extensor hold",
            ),
            DerivedSpec("side_extension", "Side bridge : extension", "", 2, hint="Side ÷ extensor"),
        ),
    ),
    TestDefinition(
        code="single_leg_bridge",
        name="Single-leg bridge",
        purpose="Hip extensor and hamstring endurance.",
        protocol="Supine, test heel on a 60 cm box, knee about 20° bent, other hip at 90°, "
        "arms crossed. Lift to hip neutral and lower to touch the floor, to failure (full "
        "extension missed twice in a row).",
        source=Source("Freckleton 2014, BJSM 48:713 (AFL players)", "V", "§1.8"),
        fields=(
            FieldSpec(
                "reps",
                "Repetitions to failure",
                unit="reps",
                min=_d("0"),
                max=_d("200"),
            ),
        ),
        derived=(
            DerivedSpec(
                "class",
                "Class",
                kind=CHOICE,
                choices=(("poor", "Poor"), ("average", "Average"), ("good", "Good")),
                hint="Fewer than 20 poor, more than 30 good (AFL players).",
            ),
            DerivedSpec(
                "lsi",
                "Limb symmetry index",
                "%",
                1,
                sided=False,
                hint="Involved ÷ uninvolved × 100 (weaker ÷ stronger without one affected side)",
            ),
        ),
    ),
    TestDefinition(
        code="y_balance",
        name="Y-balance reach test",
        purpose="Dynamic balance; a screen, not a predictor.",
        protocol="Anterior, posteromedial and posterolateral reach, 3 trials each side. Limb "
        "length from ASIS to the medial malleolus.",
        source=Source("Plisky 2006", "V", "§1.10"),
        fields=(
            FieldSpec(
                "reach_method",
                "Reach recorded as",
                CHOICE,
                choices=(("max", "Best of 3 trials"), ("mean", "Mean of 3 trials")),
                sided=False,
            ),
            FieldSpec(
                "limb_length_cm", "Limb length", unit="cm", min=_d("40"), max=_d("130"), places=1
            ),
            FieldSpec(
                "anterior_cm", "Anterior reach", unit="cm", min=_d("0"), max=_d("200"), places=1
            ),
            FieldSpec(
                "posteromedial_cm",
                "Posteromedial reach",
                unit="cm",
                min=_d("0"),
                max=_d("250"),
                places=1,
            ),
            FieldSpec(
                "posterolateral_cm",
                "Posterolateral reach",
                unit="cm",
                min=_d("0"),
                max=_d("250"),
                places=1,
            ),
        ),
        derived=(
            DerivedSpec(
                "composite",
                "Composite",
                "%",
                1,
                hint="(ANT + PM + PL) ÷ (3 × limb length) × 100",
            ),
            DerivedSpec(
                "anterior_diff", "Anterior reach difference", "cm", 1, sided=False, hint="|L − R|"
            ),
        ),
    ),
    TestDefinition(
        code="unipedal_stance",
        name="Unipedal stance time",
        purpose="Static balance.",
        protocol="Barefoot, arms across the chest or at the sides, lifted foot at ankle "
        "height; up to 45 s; best of 3 trials.",
        source=Source("Springer 2007, J Geriatr Phys Ther (n = 549)", "V", "§1.3"),
        fields=(
            FieldSpec(
                "eyes",
                "Eyes",
                CHOICE,
                choices=(("open", "Open"), ("closed", "Closed")),
                sided=False,
            ),
            FieldSpec(
                "time_s",
                "Best time",
                unit="s",
                min=_d("0"),
                max=_d("45"),
                places=1,
                hint="Best of 3 trials.",
            ),
        ),
    ),
    TestDefinition(
        code="hip_hang",
        name="Posture: hangs into one hip",
        purpose="A habitual standing posture that compresses the gluteal tendons.",
        protocol="Observe relaxed standing: weight-bearing hip adducted and the opposite "
        "pelvis dropped (hip-out stance).",
        source=Source("Observation item from the source articles", "observation", "§1.11"),
        fields=(_yes_no("hangs", "Hangs into this hip"),),
    ),
    TestDefinition(
        code="gluteal_activation",
        name="Gluteal activation",
        purpose="Can the patient produce a palpable, visible isometric gluteal contraction?",
        protocol="Ask for an isometric gluteal contraction; palpate and observe.",
        source=Source("Observation item from the source articles", "observation", "§1.11"),
        caution="There is no validated test: record an observation, not a diagnosis.",
        fields=(
            FieldSpec(
                "position",
                "Position",
                CHOICE,
                choices=(("prone", "Prone"), ("standing", "Standing"), ("bridge", "Bridge")),
                sided=False,
            ),
            FieldSpec(
                "quality",
                "Contraction",
                CHOICE,
                choices=(
                    ("good", "Strong: visible and palpable"),
                    ("weak", "Weak or delayed"),
                    ("absent", "None palpable"),
                ),
            ),
        ),
    ),
    TestDefinition(
        code="sij_provocation",
        name="Sacroiliac provocation tests (Laslett cluster)",
        purpose="Sacroiliac joint pain provocation; usually done by the physiotherapist.",
        protocol="Positive only when a test reproduces the patient's familiar pain. "
        "Specificity improves when lumbar symptoms do not centralise with repeated movements.",
        source=Source("Laslett cluster", "V", "§1.9"),
        fields=(
            FieldSpec("distraction", "Distraction", CHOICE, choices=PAIN_NO_PAIN, sided=False),
            FieldSpec("thigh_thrust", "Thigh thrust", CHOICE, choices=PAIN_NO_PAIN, sided=False),
            FieldSpec("compression", "Compression", CHOICE, choices=PAIN_NO_PAIN, sided=False),
            FieldSpec("sacral_thrust", "Sacral thrust", CHOICE, choices=PAIN_NO_PAIN, sided=False),
            FieldSpec("gaenslen", "Gaenslen", CHOICE, choices=PAIN_NO_PAIN, sided=False),
        ),
        derived=(
            DerivedSpec("positives", "Tests reproducing pain", "", 0, sided=False),
            DerivedSpec(
                "cluster",
                "Cluster",
                kind=CHOICE,
                sided=False,
                choices=(("positive", "Positive"), ("negative", "Negative")),
                hint="3 or more of 5 (2 or more of 4 without Gaenslen).",
            ),
        ),
    ),
)

_RULES_TEST_SOURCES = {
    "chair_stand": "CDC STEADI 30-second chair stand (2017)",
    "timed_up_and_go": "CDC STEADI Timed Up and Go",
    "four_stage_balance": "CDC STEADI 4-Stage Balance Test",
    "gait_speed": "Usual gait speed (Studenski 2011; Cesari 2005)",
    "six_minute_walk": "6-minute walk test (Enright & Sherrill 1998)",
    "acl_rsi": "ACL-RSI (Webster 2008)",
}
"""Where each falls, function and ACL test comes from, for the form's source line; the ACL
return-to-sport rows are Grindem 2016's battery."""

_RULES_MEASURE_LABELS = {
    "reps": "Full stands in 30 seconds",
    "time_s": "Time",
    "stage": "Best stage completed (1 feet together, 2 semi-tandem, 3 tandem, 4 one leg)",
    "failed_stage_s": "Seconds held at the stage not completed",
    "m_per_s": "Gait speed",
    "distance_m": "Distance walked",
    "distance_cm": "Distance",
    "torque_nm": "Peak torque",
    "force_n": "Peak force",
    "percent": "Score",
    "score": "Score",
    "grade": "Effusion grade",
    "full": "Full range of motion",
}

_FALLS_TESTS = (
    "chair_stand",
    "timed_up_and_go",
    "four_stage_balance",
    "gait_speed",
    "six_minute_walk",
)


def _rules_test(code: str, codes: measures.TestCodes) -> TestDefinition:
    """A battery test from the rules core's codes (prescriptions/rules/measures.py), so the
    form records exactly what the falls and ACL rules read."""
    fields = []
    for name, m in codes.measures.items():
        label = _RULES_MEASURE_LABELS.get(name, name.replace("_", " ").capitalize())
        if m.choices:
            choices = tuple((c, c.capitalize()) for c in m.choices)
            fields.append(FieldSpec(name, label, CHOICE, choices=choices, sided=codes.sided))
            continue
        fields.append(
            FieldSpec(
                name,
                label,
                unit=m.unit,
                min=None if m.minimum is None else Decimal(str(m.minimum)),
                max=None if m.maximum is None else Decimal(str(m.maximum)),
                places=0 if m.integer else 2,
                sided=codes.sided,
            )
        )
    purpose = (
        "Falls risk and function (older adults)."
        if code in _FALLS_TESTS
        else "ACL reconstruction: return-to-sport battery."
    )
    cite = _RULES_TEST_SOURCES.get(code, "Grindem 2016 return-to-sport battery")
    return TestDefinition(
        code=code,
        name=codes.name.split(":")[0].split(", per leg")[0],
        purpose=purpose,
        protocol=codes.name,
        source=Source(cite, "V", codes.section),
        fields=tuple(fields),
    )


TESTS_IN_ORDER = (
    *TESTS_IN_ORDER,
    *(_rules_test(code, codes) for code, codes in measures.TESTS.items()),
)

TESTS: dict[str, TestDefinition] = {t.code: t for t in TESTS_IN_ORDER}
TEST_CHOICES: list[tuple[str, str]] = [(t.code, t.name) for t in TESTS_IN_ORDER]

CONDITION_TESTS: dict[str, tuple[str, ...]] = {
    Condition.ACL: (
        "single_leg_squat",
        "lateral_step_down",
        "hhd_abduction",
        "hhd_external_rotation",
        "y_balance",
    ),
    Condition.LATERAL_HIP: (
        "sls_pain",
        "lateral_hip_provocation",
        "hhd_abduction",
        "trendelenburg",
        "hip_hang",
    ),
    Condition.SIJ: ("sij_provocation", "side_bridge", "single_leg_bridge", "trendelenburg"),
    Condition.LOW_BACK: ("sij_provocation", "side_bridge", "single_leg_bridge", "trendelenburg"),
    Condition.PATELLOFEMORAL: (
        "single_leg_squat",
        "lateral_step_down",
        "hhd_abduction",
        "hhd_external_rotation",
        "hhd_extension",
    ),
    Condition.TKR: ("trendelenburg", "unipedal_stance", "hhd_abduction"),
    Condition.THR: ("trendelenburg", "unipedal_stance", "hhd_abduction"),
    Condition.HIP_OA: (
        "trendelenburg",
        "single_leg_squat",
        "hhd_abduction",
        "hhd_extension",
        "unipedal_stance",
    ),
    Condition.ITB: ("single_leg_squat", "lateral_step_down", "hhd_abduction", "y_balance"),
    Condition.PLANTAR_FASCIITIS: (
        "single_leg_squat",
        "lateral_step_down",
        "hhd_abduction",
        "y_balance",
    ),
    Condition.OTHER_OVERUSE: (
        "single_leg_squat",
        "lateral_step_down",
        "hhd_abduction",
        "y_balance",
    ),
}
"""The suggested battery for each condition (CLINICAL.md §1.12). Palpation is part of the
lateral hip provocation tests; sit-to-stand has no protocol in §1 yet, so it is left out."""

REFERENCES: tuple[Reference, ...] = (
    Reference(
        "unipedal_stance",
        "Approximate best-of-3 norms, eyes open (max 45 s): 18–39 y about 43 s; 40–49 about "
        "40 s; 50–59 about 37 s; 60–69 about 27 s; 70–79 about 15–18 s; 80+ about 6 s. Eyes "
        "closed: about 9–10 s (18–39) falling to 1–2 s (70+). Unverified: not for cut-offs.",
        Source("Springer 2007, table not retrieved", "M", "§1.3"),
    ),
    Reference(
        "single_leg_squat",
        "Criteria: overall impression, trunk posture, pelvis in space, hip joint, knee joint. "
        "Names and the rule combining them are unverified (Crossley 2011 Table 1 not "
        "retrieved).",
        Source("Crossley 2011", "M", "§1.4"),
    ),
    Reference(
        "single_leg_squat",
        "FPPA reference: women, controls 8.4 ± 5.1°, patellofemoral pain 16.8 ± 5.4° "
        "(Herrington 2014); men, controls about 7.0°, patellofemoral pain about 9.8–15.0° "
        "(Ghulam 2021).",
        Source("Herrington 2014; Ghulam 2021", "V", "§1.4"),
    ),
    Reference(
        "hhd_extension",
        "Commonly tested prone with the knee bent 90°. Prone-standing HHD: MDC about "
        "14.8 N·m; a single trial is about the mean of 3.",
        Source("HHD protocol summaries", "M", "§1.6"),
    ),
    Reference(
        "hhd_abduction",
        "Gluteal tendinopathy: abductor torque 0.35 N·m/kg (32%) lower on the symptomatic "
        "side and 0.25 N·m/kg lower on the other side (supine); implied control value about "
        "1.1 N·m/kg. Test both sides: the 'good' side is not a valid reference.",
        Source("Allison 2016 (n = 50 vs 50)", "V, derived", "§1.6"),
    ),
    Reference(
        "side_bridge",
        "Young healthy adults: men right 94 ± 34 s, left 97 ± 35 s; women right 72 ± 31 s, "
        "left 77 ± 35 s. Extensor: men 146 s, women 189 s. Flexor: men 144 s, women 149 s.",
        Source("McGill 1999, table not retrieved", "M", "§1.7"),
    ),
    Reference(
        "side_bridge",
        "Other cohorts: general adults right/left side bridge 54/55 s, flexion 160 s, "
        "extension 101 s (Anderson 2014); state-level athletes 104/103 s, 224 s, 163 s "
        "(Evans 2007).",
        Source("Anderson 2014; Evans 2007", "V", "§1.7"),
    ),
    Reference(
        "y_balance",
        "Measurement error (SEM, several raters): 3.1 to 4.2 cm per direction.",
        Source("Y-balance reliability", "V", "§1.10"),
    ),
)


def ordered(codes: Iterable[str]) -> list[str]:
    """Known test codes, without repeats, in the registry's order."""
    wanted = set(codes)
    return [t.code for t in TESTS_IN_ORDER if t.code in wanted]


def battery_for_conditions(conditions: Iterable[str]) -> list[str]:
    """The tests CLINICAL.md §1.12 suggests for these conditions, in registry order."""
    return ordered(code for c in conditions for code in CONDITION_TESTS.get(c, ()))


def references_for(test: str) -> list[Reference]:
    return [r for r in REFERENCES if r.test == test]


def unit_words(unit: str) -> str:
    return UNIT_WORDS.get(unit, unit)
