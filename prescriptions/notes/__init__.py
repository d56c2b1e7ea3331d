"""Treatment notes (SOAP, signed, amended by addenda) and SMART goals (CLINICAL.md §18)."""
