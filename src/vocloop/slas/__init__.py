"""Service-level agreements: how much working time a case may take, and its deadlines.

`business_time` is pure computation on a team's business calendar, with no Django
import, so it can be tested (and reasoned about) on its own.
"""
