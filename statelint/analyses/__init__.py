"""Typed analyses of a project, each computed once per project for the rules to judge."""
