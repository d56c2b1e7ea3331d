"""The exercise library: the shipped data (`data/exercises.json`, checked and searched by
`shipped`, pure), the Exercise rows (shipped and the clinic's own) with their selectors,
services, forms and pages."""
