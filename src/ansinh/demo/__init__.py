"""The demo province (``ansinh demo``): its people (population.py), their participation since 2019 (history.py)
and a May month of promotion (campaign.py). The demo stands on the floor above the domain apps and writes through
their services; docs/demo.md tells how it is calibrated."""
