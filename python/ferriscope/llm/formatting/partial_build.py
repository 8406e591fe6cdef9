"""`Partial[T]` of a streaming JSON value, at a cost per chunk that does not grow with it.

A structured stream wants `Partial[T].model_validate(value)` after every text chunk, where
`value` is the one object tree a `PartialJSONParser` keeps growing. Validating it whole each
time costs the whole document per chunk (quadratic over a stream). But the parser only ever
changes the *spine* of that tree: it appends to the innermost open list or dict, re-shows the
open string, and never touches a completed container again. So a `PartialBuilder` keeps, per
open container, what it already validated, and per chunk re-does only the entries that changed
on the spine: completed list items and dict entries are validated once, and the models above
the change are re-assembled around the cached children with no pydantic call at all.

The result must be exactly what pydantic would give, so the builder only assembles what it can
reproduce: generated `Partial` models (plain, all-optional fields, default config, no
validators), `str`/`int`/`float`/`bool` fields taken as they are when their JSON type is the
field's type, and lists of those or of partial models. Every other field (unions of models,
dicts, enums, strict nested models with their validators…) and every value of an unexpected
type is validated by pydantic itself, through a `TypeAdapter` of the field. An open container
given to pydantic is copied first, because a model holding the parser's own list or dict (an
`Any` field) would change after it was yielded.

One thing the parser does break: a duplicate key re-sets an entry in place, so an open value
may sit before the last key and an entry already validated may change. That is detected (an
entry's identity changed, or several keys arrived at once with a container among them, the
only way the change can go unseen) and the object is then validated whole by pydantic on every
update until it completes.
"""

from __future__ import annotations

import inspect
from operator import is_
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter

from ferriscope.llm.formatting.partial import is_partial_model

__all__ = ["PartialBuilder"]

_SCALARS = (str, int, float, bool)

# An instance is assembled as `model_construct` does, but through the slots' own setters.
_new = object.__new__
_slots = BaseModel.__dict__
_set_dict = _slots["__dict__"].__set__
_set_fields_set = _slots["__pydantic_fields_set__"].__set__
_set_extra = _slots["__pydantic_extra__"].__set__
_set_private = _slots["__pydantic_private__"].__set__

# Field kinds.
_SCALAR = 0  # one of _SCALARS: a value of exactly that type is its own validated value
_MODEL = 1  # a generated partial model: assembled from the entries of a dict
_LIST = 2  # list[item], item being a _SCALAR or _MODEL plan
_OTHER = 3  # anything else: pydantic validates it


class _Plan:
    """How to validate one field (`nullable`: it is `X | None`) or one list item."""

    __slots__ = ("adapter", "item", "kind", "model", "nullable", "scalar")

    def __init__(self, annotation: Any, nullable: bool) -> None:
        self.nullable = nullable
        self.adapter: TypeAdapter[Any] = TypeAdapter(annotation)
        self.scalar: type | None = None
        self.model: _ModelPlan | None = None
        self.item: _Plan | None = None
        inner = annotation
        if nullable:
            args = [arg for arg in get_args(annotation) if arg is not NoneType]
            if get_origin(annotation) not in (Union, UnionType) or len(args) != 1:
                self.kind = _OTHER
                return
            inner = args[0]
        self.kind = _OTHER
        if inner in _SCALARS:
            self.kind, self.scalar = _SCALAR, inner
        elif _is_partial(inner):
            self.model = _model_plan(inner)
            if self.model is not None:
                self.kind = _MODEL
        elif get_origin(inner) is list:
            (item,) = get_args(inner) or (Any,)
            if item in _SCALARS or _is_partial(item):
                self.item = _Plan(item, nullable=False)
                if self.item.kind != _OTHER:
                    self.kind = _LIST

    def complete(self, value: Any) -> Any:
        """The validated value of `value`, which will not change any more."""
        if type(value) is self.scalar:
            return value
        if value is None and self.nullable:
            return None
        return self.adapter.validate_python(value)

    def node(self, raw: Any) -> _ModelNode | _ListNode | None:
        """A node to follow the open container `raw` with, if this plan assembles it."""
        kind = self.kind
        if kind == _MODEL and type(raw) is dict:
            assert self.model is not None
            return _ModelNode(self.model, raw)
        if kind == _LIST and type(raw) is list:
            assert self.item is not None
            return _ListNode(self.item, raw)
        return None


class _ModelPlan:
    """The field plans of a generated partial model, and its all-unset `__dict__`."""

    __slots__ = ("cls", "fields", "template")

    def __init__(self, cls: type[BaseModel]) -> None:
        self.cls = cls
        self.template: dict[str, Any] = dict.fromkeys(cls.model_fields)
        self.fields: dict[str, _Plan] = {
            name: _Plan(info.annotation, nullable=True) for name, info in cls.model_fields.items()
        }


_plans: dict[type[BaseModel], _ModelPlan | None] = {}


def _is_partial(annotation: Any) -> bool:
    return inspect.isclass(annotation) and is_partial_model(annotation)


def _assemblable(cls: type[BaseModel]) -> bool:
    """What `_ModelNode` assumes of a model (default config, no validators, optional plain
    fields), checked rather than trusted to `Partial`."""
    decorators = cls.__pydantic_decorators__
    return (
        not cls.model_config
        and not cls.__pydantic_root_model__
        and cls.__pydantic_post_init__ is None
        and not cls.__private_attributes__
        and not any(
            (
                decorators.validators,
                decorators.field_validators,
                decorators.root_validators,
                decorators.model_validators,
                decorators.computed_fields,
            )
        )
        and all(
            info.alias is None
            and info.validation_alias is None
            and info.default is None
            and info.default_factory is None
            and not info.metadata
            for info in cls.model_fields.values()
        )
    )


def _model_plan(cls: type[BaseModel]) -> _ModelPlan | None:
    """The plan of a generated partial model, or None when it must be left to pydantic."""
    if cls in _plans:
        return _plans[cls]
    _plans[cls] = None  # partial models do not nest cyclically, but never recurse forever
    plan: _ModelPlan | None = None
    try:
        if _assemblable(cls):
            plan = _ModelPlan(cls)
    except Exception:  # an annotation pydantic cannot adapt alone: validate the whole model
        plan = None
    _plans[cls] = plan
    return plan


def _copy(value: Any) -> Any:
    """A copy of the JSON containers in `value` (strings and numbers are immutable)."""
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    if kind is list:
        return [_copy(v) for v in value]
    return value


def _is_container(value: Any) -> bool:
    kind = type(value)
    return kind is dict or kind is list


class _ModelNode:
    """A JSON object on the spine, validated as a partial model.

    `vals` are its values as of the last update, compared by identity to find what changed
    (the parser re-creates a value it changes, except an open container, which is followed by
    `child`). `values` and `fields_set` are the validated state, copied into each new instance
    so that an instance, once handed out, never changes.
    """

    __slots__ = (
        "child",
        "child_key",
        "fields_set",
        "instance",
        "keys",
        "open_container",
        "plan",
        "raw",
        "suspect",
        "vals",
        "values",
    )

    def __init__(self, plan: _ModelPlan, raw: dict[str, Any]) -> None:
        self.plan = plan
        self.raw = raw
        self.keys: list[str] = []
        self.vals: list[Any] = []
        self.values = dict(plan.template)
        self.fields_set: set[str] = set()
        self.child: _ModelNode | _ListNode | None = None
        self.child_key = ""
        self.open_container = False
        self.instance: BaseModel | None = None
        self.suspect = False

    def update(self) -> BaseModel:
        """The partial model of `raw` as it is now (the previous instance if nothing changed).

        Raises what pydantic raises when a value does not validate; the next update then
        retries what did not get validated."""
        if self.suspect:
            return self.plan.cls.model_validate(_copy(self.raw))
        vals = [*self.raw.values()]
        old = self.vals
        n = len(vals)
        instance = self.instance
        if n == len(old) and instance is not None:
            # No new key: at most the last entry changed, unless a key was repeated.
            if all(map(is_, vals, old)):
                child = self.child
                if child is not None:
                    new = child.update()
                    values = self.values
                    key = self.child_key
                    if values[key] is new:
                        return instance
                    values[key] = new
                    return self._instance()
                if not self.open_container:
                    return instance
                return self._entries(vals, n - 1, self.keys)
            if type(vals[-1]) is str and type(old[-1]) is str and all(map(is_, vals[: n - 1], old)):
                # The open string grew: the usual change, and a string is validated at once.
                key = self.keys[-1]
                plan = self.plan.fields.get(key)
                if plan is None:
                    self.vals = vals
                    return instance
                value = vals[-1]
                self.values[key] = value if plan.scalar is str else plan.complete(value)
                self.vals = vals
                return self._instance()
            self.suspect = True  # an entry before the last changed: a duplicate key
            return self.update()
        if self._duplicate_key(vals):
            self.suspect = True
            return self.update()
        old_n = len(old)
        return self._entries(vals, old_n - 1 if old_n else 0, [*self.raw])

    def _duplicate_key(self, vals: list[Any]) -> bool:
        """Whether a duplicate key may have re-set an entry, when keys were added.

        The parser only adds keys and re-shows the open string of the last one, so an entry
        before the last one, or a non-string last one, that is a different object means a
        duplicate key. A duplicate that arrives together with its first occurrence and a later
        key leaves no such trace; it can only hide an open container, so several new keys with
        a container among those not last are treated the same way."""
        old = self.vals
        old_n = len(old)
        if old_n:
            before = old_n - 1
            if not all(map(is_, vals[:before], old)):
                return True
            if vals[before] is not old[before] and not (
                type(vals[before]) is str and type(old[before]) is str
            ):
                return True
        n = len(vals)
        return n - old_n >= 2 and any(map(_is_container, vals[old_n : n - 1]))

    def _entries(self, vals: list[Any], start: int, keys: list[str]) -> BaseModel:
        """Validates the entries from `start` on (the earlier ones are unchanged)."""
        fields = self.plan.fields
        values = self.values
        fields_set = self.fields_set
        child = self.child
        new_child: _ModelNode | _ListNode | None = None
        child_key = ""
        open_container = False
        changed = self.instance is None
        n = len(vals)
        last = n - 1
        try:
            for i in range(start, n):
                key = keys[i]
                plan = fields.get(key)
                if plan is None:
                    continue  # not a field: ignored, as pydantic does
                value = vals[i]
                kind = type(value)
                if kind is dict or kind is list:
                    node = child if child is not None and child.raw is value else None
                    if node is None and i == last:
                        node = plan.node(value)
                    if node is not None:
                        new = node.update()
                        if i == last:
                            new_child, child_key, open_container = node, key, True
                    elif i == last:
                        new = plan.adapter.validate_python(_copy(value))
                        open_container = True
                    else:
                        new = plan.adapter.validate_python(value)
                elif kind is plan.scalar:
                    new = value
                else:
                    new = plan.complete(value)
                if values[key] is not new or key not in fields_set:
                    values[key] = new
                    fields_set.add(key)
                    changed = True
        except BaseException:
            self.instance = None  # `values` may be ahead of it: rebuild on the next update
            raise
        self.keys, self.vals = keys, vals
        self.child, self.child_key, self.open_container = new_child, child_key, open_container
        if changed:
            return self._instance()
        return self.instance  # type: ignore[return-value]  # not None when nothing changed

    def _instance(self) -> BaseModel:
        """A new instance of the validated state, as `model_validate` makes it."""
        cls = self.plan.cls
        instance = _new(cls)
        _set_dict(instance, self.values.copy())
        _set_fields_set(instance, self.fields_set.copy())
        _set_extra(instance, None)
        _set_private(instance, None)
        self.instance = instance
        return instance


class _ListNode:
    """A JSON array on the spine: the items before the last are complete and validated once;
    the result list is a new one whenever it changed (the previous one was handed out)."""

    __slots__ = ("child", "done", "item", "last", "last_raw", "raw", "result")

    def __init__(self, item: _Plan, raw: list[Any]) -> None:
        self.item = item
        self.raw = raw
        self.done: list[Any] = []
        self.child: _ModelNode | _ListNode | None = None
        self.last: Any = None
        self.last_raw: Any = _MISSING
        self.result: list[Any] | None = None

    def update(self) -> list[Any]:
        raw = self.raw
        n = len(raw)
        child = self.child
        if child is not None and n == len(self.done) + 1:
            # No new item, and the last one is an open container: the usual case.
            new = child.update()
            if new is self.last:
                return self.result  # type: ignore[return-value]  # set with `last`
            self.last = new
            result = [*self.done, new]
            self.result = result
            return result
        if n == 0:
            if self.result is None:
                self.result = []
            return self.result
        item = self.item
        done = self.done
        before = len(done)
        for i in range(before, n - 1):
            value = raw[i]
            child = self.child
            if child is not None and child.raw is value:
                done.append(child.update())
                self.child = None
            else:
                done.append(item.complete(value))
        value = raw[n - 1]
        kind = type(value)
        if kind is dict or kind is list:
            child = self.child
            if child is None or child.raw is not value:
                child = item.node(value)
            new = (
                child.update() if child is not None else item.adapter.validate_python(_copy(value))
            )
            self.child = child
        elif value is self.last_raw:
            new = self.last
        else:
            new = item.complete(value)
            self.child = None
        if new is self.last and before == len(done) and self.result is not None:
            return self.result
        self.last, self.last_raw = new, value
        result = [*done, new]
        self.result = result
        return result


_MISSING = object()


class PartialBuilder:
    """Turns the successive values of one `PartialJSONParser` into `Partial` models.

    `build(value)` equals `partial.model_validate(value)`, or None where that raises. It relies
    on `value` being the parser's live tree, changed only the way the parser changes it; give
    each parser (each response) its own builder. An unchanged tree gives the same instance
    back, and sub-models that did not change are shared between successive results.
    """

    __slots__ = ("cls", "plan", "root")

    def __init__(self, partial: type[BaseModel]) -> None:
        self.cls = partial
        self.plan = _model_plan(partial) if is_partial_model(partial) else None
        self.root: _ModelNode | None = None

    def build(self, value: Any) -> BaseModel | None:
        if value is None:
            return None
        plan = self.plan
        try:
            if plan is None or type(value) is not dict:
                return self.cls.model_validate(_copy(value))
            root = self.root
            if root is None or root.raw is not value:
                root = self.root = _ModelNode(plan, value)
            return root.update()
        except Exception:
            return None
