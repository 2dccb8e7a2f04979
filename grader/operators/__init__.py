"""Stand-ins for the platform's secret operators (SopsSecret, VaultStaticSecret), run by one kit service.

`crds.py` holds the two CRDs (group, version and schema subset of the real operators); `sopssecret.py`
and `vaultstaticsecret.py` reconcile one object each; `loop.py` is the process the service starts.
"""
