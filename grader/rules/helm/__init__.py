"""Rules on Helm charts that only the values files show (the rendered objects go through the manifest rules)."""
