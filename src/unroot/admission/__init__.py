"""The admission webhook: AdmissionReview in, allow, deny or patch out."""
