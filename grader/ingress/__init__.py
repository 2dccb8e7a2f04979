"""The kit's Ingress controller: `haproxy.py` turns Ingress objects into an HAProxy configuration (pure),
`controller.py` is the process run by the `ingress` service (`grader/services/ingress.py`)."""
