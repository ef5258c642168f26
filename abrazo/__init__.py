"""Abrazo: software for running an Infant and Early Childhood Mental Health Consultation network."""
