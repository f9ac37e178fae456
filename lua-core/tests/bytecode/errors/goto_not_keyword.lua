goto label
