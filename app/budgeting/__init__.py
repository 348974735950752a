"""Ward budgets: participatory budgeting from proposals to a verifiable result.

`rules.py` (counting) and `pabulib.py` (the open ballot format) are plain code with no Flask;
`cli.py` gives `flask pb count` over any Pabulib file."""
