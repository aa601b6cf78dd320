"""Kubernetes objects, compose services and run command lines read into pods with source lines."""
