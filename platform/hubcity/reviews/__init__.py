"""Review rounds, panels, reviewer assignment, conflicts, scorecards, determinations,
objections, awards and tranches (DESIGN.md §2-4).

Modules: :mod:`.scoring` (pure: totals, mean/trimmed mean, spread, ranking, who advances, who is
missing), :mod:`.conflicts` (who may not review whom, and why), :mod:`.assignment` (pure,
deterministic automatic assignment with reasons; the similarity function is injected),
:mod:`.repositories` (every query; reviewers' access scoped there), :mod:`.services`
(:class:`~hubcity.reviews.services.ReviewService`,
:class:`~hubcity.reviews.services.DecisionService`,
:class:`~hubcity.reviews.services.AwardService`) and :mod:`.rules` (the eligibility rule
``no_active_award_in_family``).

Importing this package registers that rule with :mod:`hubcity.programs.eligibility`; the
composition root imports it (``import hubcity.reviews``) so the rule is known before a program
using it is validated.
"""

from __future__ import annotations

from hubcity.reviews import rules as _rules

_rules.register()
