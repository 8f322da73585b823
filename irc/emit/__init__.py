"""Emitters: protobuf writer, Keras.js model.bin, Keras 3 model."""
