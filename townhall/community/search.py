"""Full-text search over topics and replies, and similar questions while typing a title.

Reads only: every query is limited to `filter_topics(visible_topics(viewer), ...)`
(embedded as a subquery), so text from a board the viewer cannot read never leaves the
database. SQLite uses FTS5 (`bm25`, `snippet`, `highlight`); PostgreSQL uses the
generated `search_vector` columns (`websearch_to_tsquery`, `ts_rank`, `ts_headline`).
See docs/community.md (Search) for the ranking formula.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from townhall.community.models import Tag, Topic, TopicKind
from townhall.community.search_schema import PG_CONFIG
from townhall.community.selectors import TopicFilters, filter_topics, visible_topics
from townhall.core.models import Member

QUERY_MAX = 200
TERMS_MAX = 12
RESULTS_PER_PAGE = 20
SIMILAR_LIMIT = 5
# Weights: a title word counts 4x a body word (SQLite bm25 column weights; PostgreSQL
# weights A=1.0 for titles, B=0.4 for bodies); a match in a reply counts half.
TITLE_WEIGHT, BODY_WEIGHT, REPLY_FACTOR = 4.0, 1.0, 0.5
# Similar questions: a solved question ranks 1.5x higher.
SOLVED_BOOST = 1.5
# Which replies may be found (a SQL condition on `community_reply r`): published ones only,
# for everyone (topics follow visible_topics, which applies the moderation rules).
SEARCHABLE_REPLIES = "r.moderation = 'visible'"

# Marks around matched words in snippets, chosen from Unicode's private use area; they are
# turned into <mark> only after the text has been escaped.
OPEN, CLOSE = "\ue000", "\ue001"
_WORD = re.compile(r"\w+", re.UNICODE)
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_MARKDOWN_NOISE = re.compile(r"[*`#>|~]+|\]\([^)]*\)|[\[\]]")
_SPACES = re.compile(r"\s+")
# Words too common to say what a question is about (similar questions only: the search
# page leaves them to the ranking, as PostgreSQL's English configuration drops them).
STOPWORDS = frozenset(
    "a about after all also am an and any are as at be because been but by can could did do "
    "does doing for from get got had has have how i if in into is it its just me my no not "
    "of on or our so some than that the their them then there these they this to was we "
    "were what when where which while who why will with would you your".split()
)


@dataclass(frozen=True)
class SearchFilters:
    board: str = ""
    kind: str = ""
    solved: str = ""  # "yes", "no" or ""
    tag: str = ""
    sort: str = "relevance"  # or "newest"

    @property
    def active(self) -> bool:
        return bool(self.board or self.kind or self.solved or self.tag)


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase
    negated: bool = False
    alternative: bool = False  # joined to the previous term by OR


def parse_query(text: str) -> list[Term]:
    """Web-search syntax, as PostgreSQL's `websearch_to_tsquery` reads it: words are
    required, "quoted words" are phrases, `-word` excludes, `or` between two terms
    accepts either. Punctuation inside a word splits it into a phrase ("e-mail")."""
    terms: list[Term] = []
    pending_or = False
    for match in _TOKEN.finditer((text or "")[:QUERY_MAX]):
        negated = bool(match.group(1))
        raw = match.group(2) if match.group(2) is not None else match.group(3)
        if match.group(3) is not None and raw.lower() == "or":
            # "a or b" only; after an excluded word "or" is just a word to skip
            pending_or = bool(terms) and not terms[-1].negated
            continue
        if match.group(3) is not None and raw.startswith("-") and len(raw) > 1:
            negated, raw = True, raw[1:]
        words = tuple(w.lower() for w in _WORD.findall(raw))
        if not words:
            continue
        terms.append(Term(words, negated=negated, alternative=pending_or and not negated))
        pending_or = False
        if len(terms) >= TERMS_MAX:
            break
    return terms


def _fts_term(term: Term) -> str:
    return '"' + " ".join(term.words) + '"'  # words are \w+ only: nothing to escape


def fts5_query(terms: Sequence[Term]) -> str:
    """An FTS5 MATCH expression for the parsed terms ("" when nothing is required)."""
    groups: list[list[str]] = []
    negatives = []
    for term in terms:
        if term.negated:
            negatives.append(_fts_term(term))
        elif term.alternative and groups:
            groups[-1].append(_fts_term(term))
        else:
            groups.append([_fts_term(term)])
    if not groups:
        return ""
    expression = " AND ".join(f"({' OR '.join(g)})" for g in groups)
    if negatives:
        expression = f"({expression}) NOT ({' OR '.join(negatives)})"
    return expression


def any_words_query(text: str) -> tuple[list[str], str]:
    """The title's meaningful words and an FTS5 expression matching any of them (the last
    word also as a prefix, since it may still be being typed)."""
    words = [w.lower() for w in _WORD.findall((text or "")[:QUERY_MAX])]
    words = list(dict.fromkeys(w for w in words if w not in STOPWORDS and len(w) > 1))
    words = words[:TERMS_MAX]
    if not words:
        return [], ""
    parts = [f'"{w}"' for w in words]
    if len(words[-1]) >= 3:
        parts[-1] = f'({parts[-1]} OR "{words[-1]}"*)'
    return words, " OR ".join(parts)


# --- highlighting ------------------------------------------------------------------------


def highlight(text: str | None) -> SafeString:
    """Escape text from the database, then turn the match marks into <mark> elements.

    The marks are toggled, so whatever a post contains the output is balanced and holds
    no markup but <mark>."""
    out: list[str] = []
    inside = False
    for piece in re.split(f"([{OPEN}{CLOSE}])", text or ""):
        if piece == OPEN:
            if not inside:
                out.append("<mark>")
                inside = True
        elif piece == CLOSE:
            if inside:
                out.append("</mark>")
                inside = False
        elif piece:
            out.append(escape(_SPACES.sub(" ", _MARKDOWN_NOISE.sub(" ", piece))))
    if inside:
        out.append("</mark>")
    return mark_safe("".join(out).strip())  # noqa: S308 - every piece was escaped above


# --- search --------------------------------------------------------------------------------


@dataclass
class SearchHit:
    topic: Topic
    score: float
    reply_id: int | None
    title: SafeString
    snippet: SafeString

    @property
    def url(self) -> str:
        anchor = f"#reply-{self.reply_id}" if self.reply_id else ""
        return f"{self.topic.get_absolute_url()}{anchor}"


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = RESULTS_PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    # What the site's pagination component reads from a Django Page.
    @property
    def number(self) -> int:
        return self.page

    @property
    def has_other_pages(self) -> bool:
        return self.pages > 1

    @property
    def num_pages(self) -> int:
        return self.pages

    @property
    def paginator(self) -> SearchResults:
        return self

    def previous_page_number(self) -> int:
        return self.page - 1

    def next_page_number(self) -> int:
        return self.page + 1


def searchable_topics(viewer: Member | None, filters: SearchFilters) -> QuerySet[Topic]:
    """The topics whose text `viewer` may find: visible boards, then the page's filters."""
    topics = filter_topics(
        visible_topics(viewer).filter(merged_into__isnull=True),
        TopicFilters(kind=filters.kind, solved=filters.solved, tag=filters.tag),
    )
    if filters.board:
        topics = topics.filter(Q(board__slug=filters.board) | Q(board__parent__slug=filters.board))
    return topics


def _subquery(topics: QuerySet[Topic]) -> tuple[str, tuple[Any, ...]]:
    sql, params = topics.values("pk").query.sql_with_params()
    return sql, tuple(params)


def _ranked_sql(vendor: str, visible_sql: str, order: str) -> str:
    """Best hit per topic (its own text or one of its replies), ranked."""
    if vendor == "postgresql":
        hits = f"""
            SELECT t.id AS topic_id, NULL::bigint AS reply_id,
                   ts_rank(t.search_vector, q.query) AS score
              FROM community_topic t, q WHERE t.search_vector @@ q.query
            UNION ALL
            SELECT r.topic_id, r.id, ts_rank(r.search_vector, q.query) * {REPLY_FACTOR}
              FROM community_reply r, q
             WHERE r.search_vector @@ q.query AND {SEARCHABLE_REPLIES}"""
        head = f"WITH q AS (SELECT websearch_to_tsquery('{PG_CONFIG}', %s) AS query), "
    else:
        hits = f"""
            SELECT community_topic_fts.rowid AS topic_id, NULL AS reply_id,
                   -bm25(community_topic_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS score
              FROM community_topic_fts WHERE community_topic_fts MATCH %s
            UNION ALL
            SELECT r.topic_id, r.id, -bm25(community_reply_fts) * {REPLY_FACTOR}
              FROM community_reply_fts JOIN community_reply r ON r.id = community_reply_fts.rowid
             WHERE community_reply_fts MATCH %s AND {SEARCHABLE_REPLIES}"""
        head = "WITH "
    return f"""{head}hits AS ({hits}),
        best AS (
            SELECT topic_id, reply_id, score,
                   ROW_NUMBER() OVER (PARTITION BY topic_id
                                      ORDER BY score DESC, reply_id IS NOT NULL, reply_id) AS n
              FROM hits WHERE topic_id IN ({visible_sql}))
        SELECT best.topic_id, best.reply_id, best.score, COUNT(*) OVER () AS total
          FROM best JOIN community_topic t ON t.id = best.topic_id
         WHERE best.n = 1
         ORDER BY {order}
         LIMIT %s OFFSET %s"""


def _snippets(
    vendor: str, query: str, topic_ids: list[int], reply_ids: list[int]
) -> tuple[dict[int, tuple[str, str]], dict[int, str]]:
    """Highlighted titles and body snippets for the page's hits only (snippets cost)."""
    topics: dict[int, tuple[str, str]] = {}
    replies: dict[int, str] = {}
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            marks = f'StartSel="{OPEN}", StopSel="{CLOSE}"'
            options = f'{marks}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
            head = f"WITH q AS (SELECT websearch_to_tsquery('{PG_CONFIG}', %s) AS query) "
            if topic_ids:
                cursor.execute(
                    head + f"SELECT t.id, ts_headline('{PG_CONFIG}', t.title, q.query, %s), "
                    f"ts_headline('{PG_CONFIG}', t.body, q.query, %s) "
                    "FROM community_topic t, q WHERE t.id = ANY(%s)",
                    [query, f"{marks}, HighlightAll=true", options, topic_ids],
                )
                topics = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
            if reply_ids:
                cursor.execute(
                    head + f"SELECT r.id, ts_headline('{PG_CONFIG}', r.body, q.query, %s) "
                    "FROM community_reply r, q WHERE r.id = ANY(%s)",
                    [query, options, reply_ids],
                )
                replies = {row[0]: row[1] for row in cursor.fetchall()}
        else:
            if topic_ids:
                marks = ", ".join(["%s"] * len(topic_ids))
                cursor.execute(
                    "SELECT rowid, highlight(community_topic_fts, 0, %s, %s), "
                    "snippet(community_topic_fts, 1, %s, %s, ' … ', 24) FROM community_topic_fts "
                    f"WHERE community_topic_fts MATCH %s AND rowid IN ({marks})",
                    [OPEN, CLOSE, OPEN, CLOSE, query, *topic_ids],
                )
                topics = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
            if reply_ids:
                marks = ", ".join(["%s"] * len(reply_ids))
                cursor.execute(
                    "SELECT rowid, snippet(community_reply_fts, 0, %s, %s, ' … ', 24) "
                    f"FROM community_reply_fts WHERE community_reply_fts MATCH %s AND rowid IN ({marks})",
                    [OPEN, CLOSE, query, *reply_ids],
                )
                replies = {row[0]: row[1] for row in cursor.fetchall()}
    return topics, replies


def _plain_snippet(body: str, words: int = 30) -> str:
    parts = body.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def search(
    viewer: Member | None, text: str, filters: SearchFilters | None = None, page: int = 1
) -> SearchResults:
    """Topics matching `text` in their title, body or replies, best first (or newest
    first), one hit per topic with a highlighted snippet; only what `viewer` may read."""
    filters = filters or SearchFilters()
    text = " ".join((text or "").split())[:QUERY_MAX]
    results = SearchResults(query=text, page=max(1, page))
    terms = parse_query(text)
    if not any(not t.negated for t in terms):
        return results
    vendor = connection.vendor
    query = text if vendor == "postgresql" else fts5_query(terms)
    visible_sql, visible_params = _subquery(searchable_topics(viewer, filters))
    order = (
        "t.created_at DESC, t.id DESC"
        if filters.sort == "newest"
        else "best.score DESC, t.last_activity_at DESC, t.id DESC"
    )
    sql = _ranked_sql(vendor, visible_sql, order)
    offset = (results.page - 1) * results.per_page
    params: list[Any] = [query] if vendor == "postgresql" else [query, query]
    params += [*visible_params, results.per_page, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return results
    results.total = int(rows[0][3])
    topic_ids = [int(r[0]) for r in rows]
    reply_ids = [int(r[1]) for r in rows if r[1] is not None]
    topics = {
        t.pk: t
        for t in Topic.objects.filter(pk__in=topic_ids)
        .select_related("author", "board")
        .prefetch_related("tags")
    }
    titles, reply_snippets = _snippets(vendor, query, topic_ids, reply_ids)
    for topic_id, reply_id, score, _ in rows:
        topic = topics.get(int(topic_id))
        if topic is None:  # deleted between the two queries
            continue
        title, body = titles.get(topic.pk, (topic.title, ""))
        snippet = reply_snippets.get(int(reply_id), "") if reply_id is not None else body
        results.hits.append(
            SearchHit(
                topic=topic,
                score=float(score),
                reply_id=int(reply_id) if reply_id is not None else None,
                title=highlight(title),
                snippet=highlight(snippet or _plain_snippet(topic.body)),
            )
        )
    return results


def similar_questions(
    viewer: Member | None, title: str, *, limit: int = SIMILAR_LIMIT
) -> list[Topic]:
    """Questions the viewer may read whose title or text shares words with `title`,
    solved ones first at equal relevance; for the new-question form."""
    words, fts = any_words_query(title)
    if not words or len(" ".join(words)) < 3:
        return []
    visible_sql, visible_params = _subquery(
        visible_topics(viewer).filter(kind=TopicKind.QUESTION, merged_into__isnull=True)
    )
    if connection.vendor == "postgresql":
        last = f"{words[-1]}:*" if len(words[-1]) >= 3 else words[-1]
        tsquery = " | ".join([*words[:-1], last])
        sql = f"""
            SELECT t.id, ts_rank(t.search_vector, q.query)
                         * CASE WHEN t.solution_id IS NULL THEN 1 ELSE {SOLVED_BOOST} END AS score
              FROM community_topic t, (SELECT to_tsquery('{PG_CONFIG}', %s) AS query) q
             WHERE t.search_vector @@ q.query AND t.id IN ({visible_sql})
             ORDER BY score DESC, t.id DESC LIMIT %s"""
        params = [tsquery, *visible_params, limit]
    else:
        sql = f"""
            SELECT t.id, -bm25(community_topic_fts, {TITLE_WEIGHT}, {BODY_WEIGHT})
                         * CASE WHEN t.solution_id IS NULL THEN 1 ELSE {SOLVED_BOOST} END AS score
              FROM community_topic_fts JOIN community_topic t ON t.id = community_topic_fts.rowid
             WHERE community_topic_fts MATCH %s AND t.id IN ({visible_sql})
             ORDER BY score DESC, t.id DESC LIMIT %s"""
        params = [fts, *visible_params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        order = [int(row[0]) for row in cursor.fetchall()]
    if not order:
        return []
    found = Topic.objects.in_bulk(order)
    return [found[pk] for pk in order if pk in found]


def tag_choices(viewer: Member | None) -> list[Tag]:
    """Tags used on topics the viewer may read, for the search page's filter."""
    return list(
        Tag.objects.filter(topics__in=visible_topics(viewer).values("pk"))
        .distinct()
        .order_by("name")
    )
