"""Bound propagation, hand-worked: a computed value's bound follows from its inputs' bounds and
the formula's direction in each input (warehouse/bounds.py)."""

from mic2025.warehouse import bounds


def test_a_ratio_over_a_lower_bound_is_an_upper_bound():
    # solar modules 2023: exports 208 GW (exact) / production "超过499GW" (lower) -> at most 41.7%
    assert bounds.export_ratio_bound("exact", "lower") == "upper"
    assert bounds.ratio_bound("lower", "exact") == "lower"
    assert bounds.ratio_bound("lower", "upper") == "lower"  # both push the ratio up
    assert bounds.ratio_bound("lower", "lower") == "approximate"  # pushed both ways: no bound
    assert bounds.ratio_bound("approximate", "exact") == "approximate"
    assert bounds.ratio_bound("exact", None) == "exact"


def test_sums_and_complements():
    assert bounds.sum_bound(["exact", "lower", "exact"]) == "lower"
    assert bounds.sum_bound(["lower", "upper"]) == "approximate"
    # import dependence at most 30% -> domestic share at least 70%
    assert bounds.complement_bound("upper") == "lower"


def test_a_change_since_the_baseline_carries_its_inputs_bounds():
    # latest at least 60% (lower) minus an exact 40% baseline: up at least 20 points
    assert bounds.difference_bound("lower", "exact") == "lower"
    # an exact latest over a baseline of at most 56.4%: the change is at least the difference
    assert bounds.difference_bound("exact", "upper") == "lower"
    # a latest of at most 24% over an exact baseline: the change is at most the difference
    assert bounds.difference_bound("upper", "exact") == "upper"
    # polysilicon: ~95.8% (approximate) over <= 56.4%: approximate, as every approximate input
    assert bounds.difference_bound("approximate", "upper") == "approximate"
    assert bounds.difference_bound("exact", "exact") == "exact"
    assert bounds.difference_bound("lower", "lower") == "approximate"  # pushed both ways


def test_self_sufficiency_direction_in_production_depends_on_net_trade():
    # net exporter (X > M): more production brings P / (P + M - X) down towards 1, so a
    # lower-bound production makes the ratio an upper bound (solar modules 2023: 499 "超过")
    assert bounds.self_sufficiency_bound(499, 0, 208, "lower", "lower", "exact") == "upper"
    # net importer (M > X): a lower-bound production makes the ratio a lower bound
    assert bounds.self_sufficiency_bound(100, 60, 20, "lower", "exact", "exact") == "lower"
    # imports missing (taken as 0, a lower bound): upper bound, as the balance always said
    assert bounds.self_sufficiency_bound(100, 0, 20, "exact", "lower", "exact") == "upper"
    # exports missing: lower bound
    assert bounds.self_sufficiency_bound(100, 30, 0, "exact", "exact", "lower") == "lower"


def test_import_dependence_bounds():
    # exports missing (lower): M / (P + M - X) rises with X -> lower bound
    assert bounds.import_dependence_bound(100, 30, 0, "exact", "exact", "lower") == "lower"
    # production "more than": dependence at most
    assert bounds.import_dependence_bound(100, 30, 10, "lower", "exact", "exact") == "upper"


def test_trade_balance_index():
    assert bounds.trade_balance_bound("lower", "exact") == "lower"
    assert bounds.trade_balance_bound("exact", "lower") == "upper"


def test_published_qualifiers_are_read_from_the_quote():
    from mic2025.flows.sources.china_official import qualifier_of

    # MIIT: "exceeded 750 gigawatt-hours" (2022 lithium-ion battery output) is a lower bound
    assert qualifier_of("750", "The total output of lithium-ion batteries exceeded 750 GWh") == (
        "lower"
    )
    # CPCA: transcribed as 7,740,000 vehicles, written "About 7.74 million": approximate
    assert qualifier_of("7740000", "About 7.74 million such vehicles were sold") == "approximate"
    assert qualifier_of("1050000", "exported around 1.05 million vehicles") == "approximate"
    assert qualifier_of("545", "全国晶硅电池产量超过545GW") == "lower"
    assert qualifier_of("324", "The output reached 324 GWh in 2021") == "exact"
