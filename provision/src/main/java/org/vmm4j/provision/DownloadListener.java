package org.vmm4j.provision;

/** Progress of a download. Called from the downloading thread; keep it quick. */
@FunctionalInterface
public interface DownloadListener {
    DownloadListener NONE = (done, total) -> {};

    /**
     * Reports how far the download has come.
     *
     * @param bytesDone  bytes of the file present so far, including any resumed part
     * @param totalBytes the file's size, or -1 when the server did not say
     */
    void progress(long bytesDone, long totalBytes);
}
