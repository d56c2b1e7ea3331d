"""Prescribing: programmes with versions, phases and items; dosing by goal (`dosing`,
pure), suggestions from findings (`suggestions`, pure) and warnings (`conflicts`, pure);
the builder's selectors, services, forms and views; the practitioner's progress view
(`progress`, `progress_views`) and applying a progression (`progression`)."""
