/**
 * Schema builders shared by every input format. Schemas are written with TypeBox, so a schema and
 * the TypeScript type of what it accepts come from one definition (`Static<typeof schema>`); at run
 * time they are plain JSON Schema, which ajv validates (common/document.ts).
 */
import { Type, type ObjectOptions, type TObject, type TOptional, type TSchema, type TUnsafe, type UnsafeOptions } from "@sinclair/typebox";

/** One of a fixed list of strings, as a JSON Schema `enum` (one clear error message, unlike a union of consts). */
export function StringEnum<const T extends readonly string[]>(values: T, options: UnsafeOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, enum: [...values] });
}

/** A quantity with a unit, as written in an input file ("512 KiB", "1 GHz", "4 pJ/bit"). */
export function QuantityString(options: { description?: string } = {}) {
  return Type.String({ minLength: 1, ...options });
}

/** One of a fixed list of numbers, as a JSON Schema `enum`. */
export function NumberEnum<const T extends readonly number[]>(values: T, options: UnsafeOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, enum: [...values] });
}

/** An object whose fields are the given names, each optional and of one schema (no other fields). */
export function OptionalFields<const K extends readonly string[], T extends TSchema>(keys: K, value: T, options: ObjectOptions = {}): TObject<{ [P in K[number]]: TOptional<T> }> {
  const properties: Record<string, TSchema> = {};
  for (const key of keys) properties[key] = Type.Optional(value);
  // The loop above builds exactly the mapped type: one optional field per name.
  return Type.Object(properties as { [P in K[number]]: TOptional<T> }, { additionalProperties: false, ...options });
}
