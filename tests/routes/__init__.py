"""The route walk's table, one module per area: endpoint → (method, sample path, {role or "*": status}).

A sample path may contain `{cast.…}` placeholders filled from the test's cast, e.g. "/communes/{cast.commune_a.id}".
"""
