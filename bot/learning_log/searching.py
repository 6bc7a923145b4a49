"""Search: the words and the goal asked for, checked, and the entries the viewer may see, a
page at a time. How each store finds them is ``bot.search``'s."""

from __future__ import annotations

from bot import search
from bot.errors import EmptySearch
from bot.learning_log.base import LogBase
from bot.learning_log.views import EntryView, SearchPage, named


class Searching(LogBase):
    def search(
        self,
        team_id: str,
        viewer: str | None,
        words: str,
        *,
        goal: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> SearchPage:
        """Entries matching every word (as a word prefix), newest first.

        With a goal and no words, the goal's newest entries. How each store finds them is
        ``bot.search``'s (bench/search.py measures it on a million entries).
        """
        tokens = search.query_words(words)
        goal_key = self.check_goal(goal)
        if not tokens and goal_key is None:
            raise EmptySearch()
        with self.db.reading() as session:
            rows = search.search_entries(
                session,
                team_id,
                viewer,
                tokens,
                goal_key,
                limit=limit,
                offset=offset,
                frequencies=self._word_frequencies,
                goal_share=1 / len(self.framework.goals) if goal_key else 1.0,
            )
            return SearchPage(
                words=tokens,
                goal_key=goal_key,
                entries=named(session, team_id, [EntryView.of(e, viewer) for e in rows[:limit]]),
                has_more=len(rows) > limit,
                offset=offset,
            )
