from __future__ import annotations

from datetime import date

from grocer.scheduler.planner import CrawlOrder, Policy, StoreState, plan, take_within_limits

TODAY = date(2025, 9, 24)


def store(pk: int, company: str = "aldi", **overrides: object) -> StoreState:
    values: dict[str, object] = dict(
        store_pk=pk, company=company, store_id=f"G{pk:03d}", crawlable=True, last_observed=TODAY
    )
    values.update(overrides)
    return StoreState(**values)  # type: ignore[arg-type]


def test_due_stores_come_in_priority_order() -> None:
    stores = [
        store(1),  # crawled today: not due
        store(2, last_observed=date(2025, 9, 20)),  # stale, older
        store(3, last_observed=date(2025, 9, 22)),  # stale, newer
        store(4, last_observed=None),  # never crawled
        store(5, needs_rescrape=True),  # an anchor flagged by zone maintenance
        store(6, crawlable=False, last_observed=None),  # Liquorland and friends: never
        store(7, is_member=True, verified_on=date(2025, 9, 10), last_observed=date(2025, 9, 10)),
        store(8, is_member=True, verified_on=date(2025, 9, 22), last_observed=date(2025, 9, 22)),
    ]
    # 7: a zone member unchecked for two weeks is due; 8, checked two days ago, is not
    orders = plan(stores, TODAY)
    assert [(o.store_pk, o.reason) for o in orders] == [
        (5, "flagged"), (4, "never_crawled"), (2, "stale"), (3, "stale"), (7, "health_check"),
    ]  # fmt: skip


def test_members_are_sampled_a_few_per_round() -> None:
    members = [
        store(i, is_member=True, verified_on=date(2025, 9, i), last_observed=date(2025, 9, i))
        for i in range(1, 9)
    ]
    orders = plan(members, TODAY, Policy(health_checks_per_round=3))
    assert [o.store_pk for o in orders] == [1, 2, 3]  # the longest unchecked first


def test_limits_per_company_and_in_total() -> None:
    orders = [CrawlOrder("aldi", f"G{i}", i, "stale") for i in range(5)] + [
        CrawlOrder("iga", "1", 9, "stale")
    ]
    chosen = take_within_limits(orders, {"aldi": 1}, per_company=2, total=3)
    assert [(o.company, o.store_id) for o in chosen] == [("aldi", "G0"), ("iga", "1")]


def test_health_checks_are_sampled_crawls_and_a_recent_sample_is_not_repeated() -> None:
    policy = Policy()
    old = date(2025, 9, 1)
    stores = [
        store(1, is_member=True, verified_on=old, last_observed=old),
        # sampled two days ago without a conclusive comparison: not checked again yet
        store(
            2, is_member=True, verified_on=old, last_observed=old, last_sampled=date(2025, 9, 22)
        ),
        store(3, last_observed=date(2025, 9, 20)),
    ]
    orders = plan(stores, TODAY, policy)
    assert [(o.store_pk, o.reason) for o in orders] == [(3, "stale"), (1, "health_check")]
    assert [policy.sample_for(o) for o in orders] == [None, policy.sample_listings]


def test_a_partial_run_is_recrawled_after_a_doubling_back_off() -> None:
    from datetime import UTC, datetime, timedelta

    from grocer.scheduler.planner import PartialRun

    closed = datetime(2025, 9, 24, 8, 0, tzinfo=UTC)

    def after(
        closes: int, hours: float, pages_left: bool = False, attempt: int = 1
    ) -> list[CrawlOrder]:
        partial = PartialRun(7, attempt, closed, closes, pages_left, sampled=False)
        stale = store(1, last_observed=date(2025, 9, 1), partial=partial)
        return plan([stale], TODAY, now=closed + timedelta(hours=hours))

    assert after(1, 0.9) == []  # a stale store waits out its back-off
    assert [o.reason for o in after(1, 1.0)] == ["recrawl"]
    assert after(3, 3.9) == [] and after(3, 4.0)  # 1 h x 2^(3-1)
    assert after(8, 23.9) == [] and after(8, 24.0)  # at most 24 h
    assert after(1, 2)[0].resume_run is None  # all pages committed: a new run
    assert after(1, 2, pages_left=True)[0].resume_run == 7  # pages left: resumed, same id
    assert after(3, 5, pages_left=True, attempt=3)[0].resume_run is None  # third attempt done
    assert plan([store(1, partial=PartialRun(7, 1, closed, 1, False, False))], TODAY) == []


def test_with_every_crawl_sampled_a_recent_sample_counts_as_the_stores_crawl() -> None:
    policy = Policy(sample_every_crawl=50)
    stores = [
        store(1, last_observed=None, last_sampled=TODAY),  # sampled today: not due
        store(2, last_observed=None, last_sampled=date(2025, 9, 20)),  # sampled days ago
        store(3, last_observed=None),  # never crawled
    ]
    orders = plan(stores, TODAY, policy)
    assert [(o.store_pk, o.reason) for o in orders] == [(3, "never_crawled"), (2, "stale")]
    assert {policy.sample_for(o) for o in orders} == {50}
    assert [o.store_pk for o in plan(stores, TODAY)] == [1, 2, 3]  # samples alone: never crawled
