"""Class attributes that each instance gets its own copy of.

``items: list = field(default_factory=list)`` on a dataclass, a pydantic or ORM
model's annotated attribute, a form's declared field, a traitlets trait
(``users = Dict()``): the class body only declares them, and every object gets its own value.  A class attribute that a method of the
class assigns through ``self`` (``self.items = []`` in ``__init__``) is shadowed in
the same way: from then on ``self.items`` is the object's own.  What the class body
holds is shared by every instance only when neither applies.
"""

from __future__ import annotations

from statelint.failures import memo_table
from statelint.knowledge import load_table, matches
from statelint.model import Binding, Value
from statelint.project import Project


def is_instance_field(project: Project, class_id: str, annotation: str) -> bool:
    """True for attributes that become per-instance fields (dataclasses, models, enums)."""
    if class_id not in project.classes:
        return False
    table = load_table("process_state")["class_state"]
    bases = project.external_bases(class_id)
    if any(matches(base, table["field_bases"]) for base in bases):
        return not annotation.endswith("ClassVar")
    for ancestor in project.mro(class_id):
        _, cls = project.classes[ancestor]
        for decorator in cls.decorators:
            if decorator.target and matches(project.qualify(decorator.target),
                                            table["field_decorators"]):
                return bool(annotation) and not annotation.endswith("ClassVar")
    return False


def shadowed_per_instance(project: Project, class_id: str, name: str) -> bool:
    """True when a method of the class assigns ``self.name``: from then on ``self.name`` is
    the instance's own attribute, not the class-level one."""
    return any(name in _assigned_through_self(project, ancestor)
               for ancestor in project.mro(class_id))


def _assigned_through_self(project: Project, class_id: str) -> frozenset[str]:
    """What the methods of one class (not its bases) assign as ``self.<name>``, read once
    per class: the model asks about every attribute of every class it meets."""
    memo = memo_table(project, "assigned through self")
    found = memo.get(class_id)
    if found is None:
        module, _, qualname = class_id.partition(":")
        _, cls = project.classes[class_id]
        names: set[str] = set()
        for method in cls.methods:
            function = project.functions.get(f"{module}:{qualname}.{method}")
            if function is None:
                continue
            names.update(access.ref[len("self."):] for access in function[1].accesses
                         if access.head == "self" and access.op == "setattr"
                         and access.ref.startswith("self."))
        found = memo[class_id] = frozenset(names)
    return found


def descriptor_call(project: Project, binding: Binding) -> Value | None:
    """``users = Dict()`` / ``port = Integer(8000).tag(config=True)`` in a class body: the
    call of a descriptor class the tables name (a traitlets trait type, or a project class
    built on one), whose value each instance holds for itself."""
    value: Value | None = binding.value
    while value is not None and value.kind == "call" and "(" in value.target:
        value = value.items[0][1] if value.items else None  # ``Dict().tag(...)``: the ``Dict()``
    if value is None or value.kind != "call" or not value.target or value.target.startswith("<"):
        return None
    patterns = load_table("process_state")["class_state"]["descriptor_calls"]
    symbol, rest = project.resolve(value.target)
    if symbol.kind == "class" and not rest:
        found = any(matches(base, patterns) for base in project.external_bases(symbol.key))
    else:
        found = matches(project.qualify(value.target), patterns)
    return value if found else None


def own_per_instance(project: Project, class_id: str, name: str) -> bool:
    """True when ``instance.name`` is the instance's own value, whatever the class body holds."""
    found = project.class_attribute(class_id, name)
    if found is None:
        return False
    defining, binding = found
    return (is_instance_field(project, defining, binding.annotation)
            or descriptor_call(project, binding) is not None
            or shadowed_per_instance(project, class_id, name))
