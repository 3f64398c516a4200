"""Importing feedback from a CSV file, the part that belongs to listening.

`rows` reads and checks each row as live feedback is checked; `check` runs a whole file
through it and stores nothing; `write` stores the checked rows, masked, in the caller's
transaction. What follows imported feedback (its figures, the originals kept, reading
its comments) is conducted by vocloop.conductor.imports, which calls these.
"""
