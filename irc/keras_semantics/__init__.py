"""What Keras layers compute, as irc needs to know it before and during lowering: the 'same' padding formula, Keras.js pooling windows, activation constants."""
