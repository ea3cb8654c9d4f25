// One file's upload, with its progress. fetch cannot report upload progress,
// so this uses XMLHttpRequest; the result is the API's answer for the file.
import { authHeaders, ApiError, problemFrom } from "./client";
import type { UploadedFile, UploadResponse } from "./types";

export interface UploadHandle {
  done: Promise<UploadedFile>;
  abort: () => void;
}

export function uploadFile(
  collectionId: string,
  file: File,
  onProgress: (fraction: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = (async () => {
    const headers = await authHeaders();
    return new Promise<UploadedFile>((resolve, reject) => {
      xhr.open("POST", `/api/v1/documents/upload/${collectionId}`);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
      };
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          onProgress(1);
          const answer = JSON.parse(xhr.responseText) as UploadResponse;
          const first = answer.documents[0];
          if (first) resolve(first);
          else reject(new ApiError(problemFrom(xhr.status, "The server accepted no file.")));
        } else {
          reject(new ApiError(problemFrom(xhr.status, xhr.responseText)));
        }
      };
      xhr.onerror = () => reject(new ApiError(problemFrom(0, "The connection was lost.")));
      xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
      const form = new FormData();
      form.append("files", file, file.name);
      xhr.send(form);
    });
  })();
  return { done, abort: () => xhr.abort() };
}
