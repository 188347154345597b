"""The 1+14 federation's relational side (docs/federation.md): what a city node and the province node say to
each other over the province's open API with the city's node token — configuration pulled down, alerts,
findings and hosts sent up through the city's outbox, commands (acknowledgements) pulled down. Metrics take
another road: the city's vmagent remote-writes them to the province's VictoriaMetrics (runtime/uplink.py)."""
