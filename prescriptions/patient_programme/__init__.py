"""The patient's side of a programme: today's exercises and dose in words (`selectors`),
logging sessions and next-morning pain (`services`, `forms`), adherence (`adherence`,
pure), the printable handout and PDF (`handout`), and signed links (`links`)."""
