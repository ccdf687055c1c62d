/**
 * A folder tree watched with one `node:fs` `watch()` per folder, the same
 * way on Deno, Bun and Node.
 *
 * Not `watch(root, { recursive: true })`: Node 24's recursive watcher on
 * Linux (lib/internal/fs/recursive_watch.js) watches every file on its own
 * inode, so after an editor's atomic save (a new file renamed over the old
 * one) later saves of that file go unseen (probed on Node 24.21: neither a
 * second atomic save nor a plain write was reported). A folder's watch
 * sees its entries by name, whatever their inode, and costs one inotify
 * watch per folder rather than per file.
 *
 * @module
 */

import { type FSWatcher, readdirSync, statSync, watch } from "node:fs";

/** Options of {@linkcode TreeWatcher}. */
export interface TreeWatcherOptions {
  /** Called with a changed path below the root, `/`-separated. */
  onChange: (relative: string) => void;
  /** Whether a path below the root is left unwatched (and unreported). */
  ignored: (relative: string) => boolean;
  /**
   * Called when a folder cannot be watched (other than one removed
   * meanwhile): no inotify watches left, no permission, the root gone.
   * Once per watcher, since one such failure is usually followed by many.
   */
  onError: (error: unknown, folder: string) => void;
  /**
   * One `watch(root, { recursive: true })` instead of one watch per folder:
   * for Deno, whose every `watch()` is an inotify instance of its own (and
   * a user has 128), while its recursive watch is one instance that
   * watches folders.
   */
  recursive?: boolean;
}

/** Watches every folder under a root that `ignored` does not leave out. */
export class TreeWatcher {
  #root: string;
  #options: TreeWatcherOptions;
  #watchers = new Map<string, FSWatcher>();
  #closed = false;
  #reported = false;

  /**
   * Starts watching `root` and the folders below it.
   *
   * @param root The folder: an absolute path.
   * @param options What to report, what to leave out.
   */
  constructor(root: string, options: TreeWatcherOptions) {
    this.#root = root;
    this.#options = options;
    if (options.recursive) this.#addRecursive();
    else this.#add("");
  }

  #addRecursive(): void {
    let watcher: FSWatcher;
    try {
      // Node 24's recursive watch of a missing folder fails without a word.
      statSync(this.#root);
      watcher = watch(this.#root, { recursive: true }, (_event, name) => {
        const relative = name === null ? "" : String(name);
        if (this.#closed || (relative !== "" && this.#options.ignored(relative))) return;
        this.#options.onChange(relative);
      });
    } catch (error) {
      return this.#failed(error, "");
    }
    watcher.on("error", (error) => this.#failed(error, ""));
    this.#watchers.set("", watcher);
  }

  /** Stops every watch. */
  close(): void {
    this.#closed = true;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  // Watches the folder `relative` ("" for the root) and those below it;
  // with `report`, tells of every entry found (a folder that appeared may
  // have been filled before its watch was set).
  #add(relative: string, report = false): void {
    if (this.#closed || this.#watchers.has(relative)) return;
    const path = relative === "" ? this.#root : `${this.#root}/${relative}`;
    let watcher: FSWatcher;
    try {
      watcher = watch(path, (_event, name) => this.#changed(relative, name as string | null));
    } catch (error) {
      return this.#failed(error, relative);
    }
    watcher.on("error", (error) => {
      this.#remove(relative);
      this.#failed(error, relative);
    });
    this.#watchers.set(relative, watcher);
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (this.#options.ignored(child)) continue;
      if (report) this.#options.onChange(child);
      if (entry.isDirectory()) this.#add(child, report);
    }
  }

  #failed(error: unknown, folder: string): void {
    const code = (error as { code?: unknown } | null)?.code;
    if (this.#reported || (folder !== "" && code === "ENOENT")) return;
    this.#reported = true;
    this.#options.onError(error, folder);
  }

  #remove(relative: string): void {
    for (const [folder, watcher] of this.#watchers) {
      if (folder === relative || folder.startsWith(relative + "/")) {
        watcher.close();
        this.#watchers.delete(folder);
      }
    }
  }

  #changed(folder: string, name: string | null): void {
    if (this.#closed) return;
    // Without a name the change is somewhere in the folder.
    if (name === null || name === "") return this.#options.onChange(folder);
    const relative = folder === "" ? name : `${folder}/${name}`;
    if (this.#options.ignored(relative)) return;
    const kind = kindOf(`${this.#root}/${relative}`);
    // A removed folder's own watch names the folder as if it were inside
    // itself; its parent's watch tells of it rightly.
    if (kind === "gone" && folder !== "" && kindOf(`${this.#root}/${folder}`) === "gone") return;
    this.#options.onChange(relative);
    if (kind === "folder") this.#add(relative, true);
    else if (kind === "gone") this.#remove(relative);
  }
}

function kindOf(path: string): "folder" | "other" | "gone" {
  try {
    return statSync(path).isDirectory() ? "folder" : "other";
  } catch {
    return "gone";
  }
}
