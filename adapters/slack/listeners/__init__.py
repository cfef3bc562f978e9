"""Bolt listeners, one module a surface, as bolt-python lays its own out: the /buy command,
modal submissions (views), card buttons (actions), App Home and other events."""
