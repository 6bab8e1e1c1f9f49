package io.dmsc.wire.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Checks on private key files. */
public final class KeyFiles {
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private KeyFiles() {
    }

    /**
     * Refuses a key file that anyone but its owner may read or write.
     *
     * @param file a private key file
     * @throws IllegalArgumentException if it is missing, or others have access
     */
    public static void checkOwnerOnly(Path file) {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system: nothing to check
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage()
                    + " (expected: a private key file written by dmsc ca)", e);
        }
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        open.addAll(perms);
        open.retainAll(OTHERS);
        if (!open.isEmpty()) {
            throw new IllegalArgumentException(file + ": private key readable or writable by others ("
                    + java.nio.file.attribute.PosixFilePermissions.toString(perms)
                    + ") (expected: owner only: chmod 600 " + file + ")");
        }
    }
}
