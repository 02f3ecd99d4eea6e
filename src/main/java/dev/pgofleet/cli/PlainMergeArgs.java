package dev.pgofleet.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code merge-files} arguments without picocli when they take the plain form a script
 * writes: the separate-token options {@code -o OUT}, {@code --output OUT}, {@code --strip-labels},
 * {@code --any-type}, {@code --max-decompressed-bytes N}, {@code -j N}, {@code --threads N}, each
 * at most once, {@code --}, and input paths. Building picocli's model costs a one-shot merge about
 * 0.1 s, a tenth of its run. Anything else (help, a usage error, {@code @argfiles},
 * {@code --opt=value}, a value that could be read two ways) returns null and goes to picocli,
 * which then gives the answer and message it always did. PlainMergeArgsTest checks that whatever
 * this accepts, picocli reads the same way.
 */
final class PlainMergeArgs {
    private PlainMergeArgs() {}

    /** The command for {@code args} (starting with "merge-files"), or null when picocli is to read them. */
    static MergeFilesCommand parse(String[] args) {
        if (args.length < 4 || !args[0].equals("merge-files")) {
            return null;
        }
        MergeFilesCommand c = new MergeFilesCommand();
        List<Path> inputs = new ArrayList<>(args.length);
        boolean maxGiven = false, optionsEnd = false; // the other options are given when their field is set
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.isEmpty() || a.charAt(0) == '@') {
                return null; // picocli reads @file as an argument file
            }
            if (optionsEnd || a.charAt(0) != '-') {
                inputs.add(Path.of(a));
                continue;
            }
            switch (a) {
                case "--" -> optionsEnd = true;
                case "--strip-labels" -> {
                    if (c.stripLabels) {
                        return null;
                    }
                    c.stripLabels = true;
                }
                case "--any-type" -> {
                    if (c.anyType) {
                        return null;
                    }
                    c.anyType = true;
                }
                case "-o", "--output", "--max-decompressed-bytes", "-j", "--threads" -> {
                    String value = i + 1 < args.length ? args[++i] : "";
                    if (value.isEmpty() || value.charAt(0) == '-' || value.charAt(0) == '@') {
                        return null;
                    }
                    if (a.equals("-o") || a.equals("--output")) {
                        if (c.output != null) {
                            return null;
                        }
                        c.output = Path.of(value);
                    } else if (a.equals("--max-decompressed-bytes")) {
                        if (maxGiven || !plainNumber(value, 18)) {
                            return null;
                        }
                        maxGiven = true;
                        c.maxDecompressed = Long.parseLong(value);
                    } else {
                        if (c.threads != null || !plainNumber(value, 9)) {
                            return null;
                        }
                        c.threads = Integer.parseInt(value);
                    }
                }
                default -> {
                    return null;
                }
            }
        }
        if (c.output == null || inputs.isEmpty()) {
            return null;
        }
        c.inputs = inputs;
        return c;
    }

    /** Digits without a leading zero (which could be read as octal), short enough not to overflow. */
    private static boolean plainNumber(String s, int maxDigits) {
        if (s.length() > maxDigits || s.length() > 1 && s.charAt(0) == '0') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
