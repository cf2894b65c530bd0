"""Price zones: store grouping, group maintenance and lossless retention (DESIGN §6).

Modules: :mod:`periods` (price weeks), :mod:`compare` (the comparer of price maps),
:mod:`snapshots` (loading price maps in one query), zone maintenance as load -> plan -> apply
(:mod:`loader`, :mod:`planner` with :mod:`plan` and :mod:`state`, :mod:`applier`, orchestrated
by :mod:`maintain`; :mod:`settings` and :mod:`summary`), :mod:`retention` (deleting redundant
member rows), :mod:`resolver` (the one reader of prices through zones) and :mod:`report` (text
report and store map).
"""
