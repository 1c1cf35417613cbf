package org.vmm4j.host;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.vmm4j.text.Message;

/**
 * One reviewable step of a {@link HostPlan}. Its {@link #text()} is a {@link Message}, so an application
 * shows it in its reader's locale; a step built with a {@code String} description reads the same in every
 * locale.
 */
public sealed interface PlanStep {

    /** What the step does, in English. */
    default String description() {
        return text().english();
    }

    /** What the step does, for the reader's locale. */
    Message text();

    boolean needsRoot();

    /**
     * Runs a program. When {@code check} is given and exits 0, the step is already done and is skipped;
     * a check program that is not installed (yet) means "not done". When {@code checkOutput} is not
     * empty, the check's standard output must also contain a match of that regular expression
     * ({@link Pattern#MULTILINE}, so {@code ^} and {@code $} match at line ends).
     */
    record Run(Message text, List<String> command, List<String> check, String checkOutput, boolean needsRoot)
            implements PlanStep {
        public Run {
            requireText(text);
            String description = text.english();
            if (command == null || command.isEmpty()) {
                throw new IllegalArgumentException("step '" + description + "' has no command");
            }
            command = SafeNames.requireCommand(command);
            check = check == null || check.isEmpty() ? List.of() : SafeNames.requireCommand(check);
            checkOutput = checkOutput == null ? "" : checkOutput;
            if (!checkOutput.isEmpty()) {
                if (check.isEmpty()) {
                    throw new IllegalArgumentException("step '" + description + "' has a check pattern but no check");
                }
                checkOutputPattern(checkOutput);
            }
        }

        /** A step skipped when {@code check} exits 0, whatever it prints. */
        public Run(Message text, List<String> command, List<String> check, boolean needsRoot) {
            this(text, command, check, "", needsRoot);
        }

        /** A step described in English only. */
        public Run(
                String description, List<String> command, List<String> check, String checkOutput, boolean needsRoot) {
            this(literal(description), command, check, checkOutput, needsRoot);
        }

        /** A step described in English only, skipped when {@code check} exits 0, whatever it prints. */
        public Run(String description, List<String> command, List<String> check, boolean needsRoot) {
            this(literal(description), command, check, "", needsRoot);
        }

        static Pattern checkOutputPattern(String regex) {
            return Pattern.compile(regex, Pattern.MULTILINE);
        }
    }

    /** Makes sure {@code file} contains the line {@code line} (appended when missing). */
    record EnsureLine(Message text, Path file, String line, boolean needsRoot) implements PlanStep {
        public EnsureLine {
            requireText(text);
            Objects.requireNonNull(file, "file");
            if (line.contains("\n")) {
                throw new IllegalArgumentException("line must not contain a newline: " + line);
            }
        }

        /** A step described in English only. */
        public EnsureLine(String description, Path file, String line, boolean needsRoot) {
            this(literal(description), file, line, needsRoot);
        }
    }

    /**
     * Makes sure {@code file} contains {@code content} between {@code # BEGIN vmm4j <marker>} and
     * {@code # END vmm4j <marker>} lines, replacing an older version of the same block.
     */
    record EnsureBlock(Message text, Path file, String marker, String content, boolean needsRoot) implements PlanStep {
        public EnsureBlock {
            requireText(text);
            Objects.requireNonNull(file, "file");
            SafeNames.require("block marker", marker, 64);
        }

        /** A step described in English only. */
        public EnsureBlock(String description, Path file, String marker, String content, boolean needsRoot) {
            this(literal(description), file, marker, content, needsRoot);
        }
    }

    private static void requireText(Message text) {
        if (text == null || text.english().isBlank()) {
            throw new IllegalArgumentException("a plan step needs a description");
        }
    }

    private static Message literal(String description) {
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("a plan step needs a description");
        }
        return Message.literal(description);
    }
}
