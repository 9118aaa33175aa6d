package org.obnam.generation;

import org.obnam.crypto.Label;
import org.obnam.store.ObjectId;

/**
 * One chunk of a file's content: its label, where its encrypted form lies in the store (object,
 * offset, encrypted length), and its plaintext size. Recording the place lets a restore fetch
 * chunks without asking the store where they are.
 */
public record ChunkRef(Label label, ObjectId object, long offset, int length, int size) {}
