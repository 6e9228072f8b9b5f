from core.management.commands.seed_demo import demo_seeders


def test_seed_demo_runs_each_apps_demo_seed_in_installed_apps_order():
    # when
    labels = [label for label, _seed in demo_seeders()]
    # then: the campus exists before the companies that rent it, and both before their bookings;
    # the labs' equipment and founders' qualifications come after them
    assert labels == ["spaces", "tenants", "bookings", "hardware_labs"]
