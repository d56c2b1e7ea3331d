"""The patient's surgery record and training status: what the post-operative rules
(rules/postop.py) and the dosing table (rules/training.py) read about the patient."""
