"""Prescribing: programmes with versions, phases and items; the builder's selectors,
services, forms and views; the practitioner's progress view (`progress`,
`progress_views`) and applying a progression (`progression`). The rules they apply
(dosing, suggestions, warnings, progression) live in `prescriptions.rules`."""
