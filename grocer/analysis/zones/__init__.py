"""Price zones: store grouping, group maintenance and lossless retention (DESIGN §6).

Modules: :mod:`periods` (price weeks), :mod:`compare` (the comparer of price maps),
:mod:`snapshots` (loading price maps in one query), :mod:`maintain` (health check, merge,
orchestration), :mod:`retention` (deleting redundant member rows), :mod:`resolver` (the one
reader of prices through zones) and :mod:`report` (text report and store map).
"""
