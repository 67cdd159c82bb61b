"""The OpenAPI document says exactly what the server accepts: msgspec structs as the edge
decodes them.

Litestar documents a msgspec ``Struct`` from its fields and their ``Meta`` (bounds,
descriptions, examples). Two things it leaves out, which a client generated from the
document (or schemathesis) would then get wrong, are added here:

- ``additionalProperties: false``: the edge refuses unknown fields at any depth
  (``infra.api.bodies``), and answers never carry fields their struct lacks;
- bounds Litestar drops: a bound of zero on an optional field (``Annotated[int,
  Meta(ge=0)] | None``; Litestar copies ``ge``/``le`` only when truthy), and every bound of
  a list's items (``list[Annotated[int, Meta(le=50_000_000)]]`` came out as a list of any
  integers); a list's ``max_length`` is its ``maxItems``, never a string's ``maxLength``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import OpenAPIType, Reference, Schema

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition

_NUMBER_BOUNDS = (("ge", "minimum"), ("le", "maximum"), ("gt", "exclusive_minimum"),
                  ("lt", "exclusive_maximum"))
_STRING_BOUNDS = (("min_length", "min_length"), ("max_length", "max_length"),
                  ("pattern", "pattern"))
_LIST_BOUNDS = (("min_length", "min_items"), ("max_length", "max_items"))


class ExactStructSchemaPlugin(StructSchemaPlugin):
    """Litestar's struct schemas, closed to unknown fields and with every bound stated."""

    def to_openapi_schema(self, field_definition: FieldDefinition,
                          schema_creator: SchemaCreator) -> Schema:
        """The struct's component schema (see the module docstring)."""
        schema = super().to_openapi_schema(field_definition, schema_creator)
        target = (schema_creator.schema_registry.from_reference(schema).schema
                  if isinstance(schema, Reference) else schema)
        target.additional_properties = False
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType):
            for field in info.fields:
                prop = (target.properties or {}).get(field.encode_name)
                if isinstance(prop, Schema):
                    _state_bounds(prop, field.type)
        return schema


def _state_bounds(schema: Schema, info: Any) -> None:
    """Put on ``schema`` every bound of the msgspec type ``info`` it lacks (recursively into
    a list's items). An optional field's bounds stay on its outer schema, beside ``oneOf``,
    as Litestar puts them; its list's items are those of the ``oneOf``'s array member."""
    if isinstance(info, msgspec.inspect.Metadata):
        info = info.type
    if isinstance(info, msgspec.inspect.UnionType):
        members = [member for member in info.types
                   if not isinstance(member, msgspec.inspect.NoneType)]
        if len(members) != 1:
            return
        info = members[0].type if isinstance(members[0], msgspec.inspect.Metadata) \
            else members[0]
    if isinstance(info, msgspec.inspect.IntType | msgspec.inspect.FloatType):
        _copy(schema, info, _NUMBER_BOUNDS)
    elif isinstance(info, msgspec.inspect.StrType):
        _copy(schema, info, _STRING_BOUNDS)
    elif isinstance(info, msgspec.inspect.ListType):
        array = schema
        for member in schema.one_of or []:
            if isinstance(member, Schema) and member.type == OpenAPIType.ARRAY:
                array = member
        schema.max_length = schema.min_length = None  # Not a string's: the list's items.
        _copy(array, info, _LIST_BOUNDS)
        if isinstance(array.items, Schema):
            _state_bounds(array.items, info.item_type)


def _copy(schema: Schema, info: Any, bounds: tuple[tuple[str, str], ...]) -> None:
    for constraint, attribute in bounds:
        value = getattr(info, constraint, None)
        if value is not None and getattr(schema, attribute, None) is None:
            setattr(schema, attribute, value)
