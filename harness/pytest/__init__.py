"""Helpers of the pytest plugin (`harness.pytest_plugin`): items, session state, fixtures, Allure.

Imported only when the plugin is used (an option given or a fixture requested).
"""
