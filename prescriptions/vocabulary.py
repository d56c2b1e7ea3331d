"""The fixed vocabularies of an assessment: conditions, goals, red flags, biomechanical
findings, sides and pain contexts. Stored as their codes; labels are for people.

Changing a label is harmless. Removing or renaming a code orphans stored records: add a
data migration when that is ever needed.
"""

from __future__ import annotations

from django.db import models


class Side(models.TextChoices):
    """Which side a measurement belongs to; TEST holds test-wide settings (position, step
    height) and two-sided results (limb symmetry index, ratios)."""

    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    TEST = "", "Both sides"


SIDES = (Side.LEFT, Side.RIGHT)
"""The two sides, in the order every form and table shows them."""


class InvolvedSide(models.TextChoices):
    """The affected side, which decides how a limb symmetry index is taken (CLINICAL.md
    §1.6: involved ÷ uninvolved, or weaker ÷ stronger when no single side is affected)."""

    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both sides"
    NEITHER = "neither", "Neither (screening)"


class ReferenceSex(models.TextChoices):
    """Only used to choose published reference values (FPPA, trunk endurance norms)."""

    FEMALE = "female", "Female reference values"
    MALE = "male", "Male reference values"


class Condition(models.TextChoices):
    """Presenting conditions (issue 4); each preselects a battery (battery.CONDITION_TESTS)."""

    ACL = "acl", "ACL injury or risk"
    LATERAL_HIP = "lateral_hip", "Lateral hip pain / gluteal tendinopathy"
    SIJ = "sij", "Sacroiliac joint dysfunction"
    LOW_BACK = "low_back", "Low back pain"
    PATELLOFEMORAL = "patellofemoral", "Patellofemoral pain"
    TKR = "tkr", "After total knee replacement"
    THR = "thr", "After total hip replacement"
    HIP_OA = "hip_oa", "Hip osteoarthritis"
    ITB = "itb", "ITB syndrome"
    PLANTAR_FASCIITIS = "plantar_fasciitis", "Plantar fasciitis"
    OTHER_OVERUSE = "other_overuse", "Other overuse injury"


class Goal(models.TextChoices):
    ENDURANCE = "endurance", "Endurance or running"
    STRENGTH = "strength", "Strength, power or sprinting"
    RETURN_TO_SPORT = "return_to_sport", "Return to sport"
    POST_SURGERY = "post_surgery", "Rehabilitation after surgery"
    WEIGHT_LOSS = "weight_loss", "Weight loss"
    DAILY_FUNCTION = "daily_function", "Daily function"


class PainContext(models.TextChoices):
    """When an NPRS score applies (CLINICAL.md §2.8: store the context with the number)."""

    NOW = "now", "Now, at rest"
    AVERAGE_24H = "average_24h", "Average over the last 24 hours"
    WORST_24H = "worst_24h", "Worst in the last 24 hours"
    TASK = "task", "During a specific task"


class RedFlag(models.TextChoices):
    """CLINICAL.md §4.6: contraindications, precautions and red flags (stop and refer)."""

    # Absolute contraindications to exercise (ACSM/AHA) [V]
    UNSTABLE_ANGINA = "unstable_angina", "Unstable angina or recent acute cardiac event"
    ARRHYTHMIA = "arrhythmia", "Uncontrolled symptomatic arrhythmia"
    HEART_FAILURE = "heart_failure", "Uncontrolled heart failure"
    AORTIC_STENOSIS = "aortic_stenosis", "Symptomatic severe aortic stenosis"
    PE_DVT = "pe_dvt", "Acute pulmonary embolism or deep vein thrombosis"
    MYOCARDITIS = "myocarditis", "Acute myocarditis or pericarditis"
    AORTIC_DISSECTION = "aortic_dissection", "Aortic dissection"
    SYSTEMIC_INFECTION = "systemic_infection", "Acute systemic infection or fever"
    # Relative contraindications [V]
    HIGH_BP = "high_bp", "Resting blood pressure 180/100 mmHg or higher"
    RESTING_HR = "resting_hr", "Resting heart rate over 100 bpm"
    UNCONTROLLED_DIABETES = "uncontrolled_diabetes", "Uncontrolled diabetes"
    ELECTROLYTES = "electrolytes", "Electrolyte abnormalities"
    MSK_WORSENED = "msk_worsened", "Musculoskeletal disorder made worse by exercise"
    # Hip and back red flags: stop and refer [V]
    TRAUMA = "trauma", "Trauma or fall"
    NO_WEIGHT_BEARING = "no_weight_bearing", "Unable to weight-bear"
    FRACTURE = "fracture", "Suspected fracture, dislocation or bone stress injury"
    SYSTEMICALLY_UNWELL = "systemically_unwell", "Fever or systemically unwell"
    HOT_JOINT = "hot_joint", "Hot, red or swollen joint"
    RECENT_INJECTION = "recent_injection", "Recent joint injection or surgery"
    IMMUNOSUPPRESSION = "immunosuppression", "Immunosuppression"
    CANCER_HISTORY = "cancer_history", "History of cancer"
    WEIGHT_LOSS = "weight_loss", "Unexplained weight loss (over 5% in 6 to 12 months)"
    NIGHT_SWEATS = "night_sweats", "Night sweats"
    NIGHT_PAIN = "night_pain", "Constant or unrelenting night pain"
    NON_MECHANICAL_PAIN = "non_mechanical_pain", "Pain unrelated to activity"
    AVN_RISK = "avn_risk", "Long-term steroid or heavy alcohol use (avascular necrosis)"
    SCFE = "scfe", "Adolescent with hip or knee pain and reduced internal rotation"
    CHILD_LIMP = "child_limp", "Child with a limp"
    NEURO_DEFICIT = "neuro_deficit", "Progressive neurological deficit"
    SADDLE_ANAESTHESIA = "saddle_anaesthesia", "Saddle anaesthesia"
    BLADDER_BOWEL = "bladder_bowel", "Bladder or bowel change"
    PULSATILE_MASS = "pulsatile_mass", "Pulsatile mass in the groin"
    VISCERAL = "visceral", "Abdominal or visceral symptoms (referred pain)"


RED_FLAG_GROUPS: tuple[tuple[str, str, tuple[RedFlag, ...]], ...] = (
    (
        "absolute",
        "Do not exercise: refer (absolute contraindications)",
        (
            RedFlag.UNSTABLE_ANGINA,
            RedFlag.ARRHYTHMIA,
            RedFlag.HEART_FAILURE,
            RedFlag.AORTIC_STENOSIS,
            RedFlag.PE_DVT,
            RedFlag.MYOCARDITIS,
            RedFlag.AORTIC_DISSECTION,
            RedFlag.SYSTEMIC_INFECTION,
        ),
    ),
    (
        "relative",
        "Precautions (relative contraindications)",
        (
            RedFlag.HIGH_BP,
            RedFlag.RESTING_HR,
            RedFlag.UNCONTROLLED_DIABETES,
            RedFlag.ELECTROLYTES,
            RedFlag.MSK_WORSENED,
        ),
    ),
    (
        "hip_back",
        "Hip and back red flags: stop and refer",
        (
            RedFlag.TRAUMA,
            RedFlag.NO_WEIGHT_BEARING,
            RedFlag.FRACTURE,
            RedFlag.SYSTEMICALLY_UNWELL,
            RedFlag.HOT_JOINT,
            RedFlag.IMMUNOSUPPRESSION,
            RedFlag.CANCER_HISTORY,
            RedFlag.WEIGHT_LOSS,
            RedFlag.NIGHT_SWEATS,
            RedFlag.NIGHT_PAIN,
            RedFlag.NON_MECHANICAL_PAIN,
            RedFlag.AVN_RISK,
            RedFlag.SCFE,
            RedFlag.CHILD_LIMP,
            RedFlag.NEURO_DEFICIT,
            RedFlag.SADDLE_ANAESTHESIA,
            RedFlag.BLADDER_BOWEL,
            RedFlag.PULSATILE_MASS,
            RedFlag.VISCERAL,
        ),
    ),
    (
        "stop_sign_checklist",
        "Precautions: ask about the stop signs at each session",
        (RedFlag.RECENT_INJECTION,),
    ),
)
"""Red flags grouped as CLINICAL.md §4.6 groups them (every flag appears exactly once),
with its correction in §10.5: a recent joint injection or surgery is a precaution that
switches on the stop-sign checklist, not a stop (`prescriptions.rules.conflicts` and
`prescriptions.rules.postop` give each group its severity)."""


class Finding(models.TextChoices):
    """Biomechanical findings from observation (movement tests, gait, posture), per side."""

    DYNAMIC_KNEE_VALGUS = "dynamic_knee_valgus", "Dynamic knee valgus"
    CONTRALATERAL_PELVIC_DROP = "contralateral_pelvic_drop", "Contralateral pelvic drop"
    TRUNK_LEAN = "trunk_lean", "Trunk lean over the stance leg"
    HIP_HITCHING = "hip_hitching", "Hip hitching"
    REDUCED_HIP_EXTENSION = "reduced_hip_extension", "Reduced hip extension"
    OVERPRONATION = "overpronation", "Overpronation"
    HIP_ADDUCTION_IR = "hip_adduction_ir", "Excessive hip adduction or internal rotation"
    CROSSOVER_GAIT = "crossover_gait", "Crossover (narrow-base) gait"
    KNEE_HYPEREXTENSION = "knee_hyperextension", "Knee hyperextension"
    REDUCED_DORSIFLEXION = "reduced_dorsiflexion", "Reduced ankle dorsiflexion"
    ANTERIOR_PELVIC_TILT = "anterior_pelvic_tilt", "Excessive anterior pelvic tilt"
    POOR_GLUTEAL_ACTIVATION = "poor_gluteal_activation", "Poor gluteal activation"
