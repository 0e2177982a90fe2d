/* The declaration in include/CFuzzer.h is implemented by libFuzzer. */
