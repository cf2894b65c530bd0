"""The retailer simulator: Coles, Woolworths, Aldi and IGA on loopback (DESIGN section 7).

Start it with :class:`grocer.sim.server.SimulatorServer` (tests), :func:`grocer.sim.server.serve`
(``grocer sim serve``) or ``python -m grocer.sim --port 0``.
"""
