"""Each chapter's settings and longer runs, one module per chapter: what its notebook, figures and tests share."""
