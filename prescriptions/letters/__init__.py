"""Letters and reports to other practitioners, and case conferences (issue 15 part 4)."""
