"""Admission control for Kubernetes: the webhook server, namespace UID ranges, exemptions.

One AdmissionReview in, one policy evaluation, one review out (allow, deny with a reason, or a
JSON Patch), and an audit record for every denial and every non-restricted admission.
"""
