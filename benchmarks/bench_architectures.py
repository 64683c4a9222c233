"""Widget interactions of notebook 09 for ``make bench``: the architecture explorer redraws
(its numbers are summary tables computed once)."""

from course_utils.widgets import ArchitectureExplorer


def interactions():
    explorer = ArchitectureExplorer()
    networks = list(explorer.network.options)
    costs = list(explorer.cost.options)

    def next_network():
        i = networks.index(explorer.network.value)
        explorer.network.value = networks[(i + 1) % len(networks)]

    def next_cost():
        i = costs.index(explorer.cost.value)
        explorer.cost.value = costs[(i + 1) % len(costs)]

    yield "ArchitectureExplorer: choose another network", next_network
    yield "ArchitectureExplorer: choose another cost", next_cost
