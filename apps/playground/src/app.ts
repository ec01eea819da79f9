/**
 * The playground page: toolbar, file tabs, editor and diagnostics on the left; the compiled
 * filter's figures, the syscall simulator, the dispatch tree and the disassembly on the right.
 * All state lives here; `analysis.ts` computes what to show from it.
 */
import { resolveArchName, type ArchTable } from '@syscage/arch-tables';
import { analyzeWorkspace, filesReachedFrom, type Analysis } from './analysis.js';
import { ARCHITECTURES, loadArch } from './archs.js';
import type { CompiledView } from './compiled.js';
import { displayPath } from './dispatch-view.js';
import { countBySeverity, editorMarks, showDiagnostics } from './diagnostics-view.js';
import { exampleEntries, loadExampleFiles } from './examples.js';
import type { RuleLink } from './program-map.js';
import { encodeWorkspace } from './share.js';
import { simulateSyscall, type SyscallRequest } from './simulate.js';
import { drawDisassembly, highlightPath } from './ui/disassembly.js';
import { h } from './ui/dom.js';
import { PolicyEditor } from './ui/editor.js';
import { SimulatorPanel } from './ui/simulator.js';
import { drawTree, scrollTreeTo } from './ui/tree.js';
import { baseName, dirName, uniquePath, type CompileFlags, type PolicyWorkspace } from './workspace.js';

/** How long typing must pause before the workspace is analysed again. */
const ANALYSIS_DELAY_MS = 120;

/** The running page. */
export class PlaygroundApp {
  private files = new Map<string, string>();
  private entry: string;
  private arch: string;
  private active: string;
  private analysis: Analysis | undefined;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private readonly editor: PolicyEditor;
  private readonly tabs = h('div', { class: 'tabs', attrs: { role: 'tablist' } });
  private readonly diagnosticsList = h('ul', { class: 'diagnostics', attrs: { 'aria-label': 'Diagnostics' } });
  private readonly diagnosticsNote = h('span', { class: 'note' });
  private readonly status = h('span', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } });
  private readonly archSelect = h('select', { id: 'arch', attrs: { 'aria-label': 'Architecture' } });
  private readonly exampleSelect = h('select', { id: 'example', attrs: { 'aria-label': 'Example policy' } });
  private flags: CompileFlags = {};
  private readonly flagBoxes = new Map<keyof CompileFlags, HTMLInputElement>();
  private readonly tables = new Map<string, ArchTable>();
  private archProblem: string | undefined;
  private lastRequest: SyscallRequest | undefined;
  private disassembly: HTMLTableElement | undefined;
  private readonly simulator = new SimulatorPanel(
    (request) => {
      this.runSimulation(request);
    },
    (link) => {
      this.revealLink(link);
    },
  );
  private readonly figuresBody = h('div', { class: 'panel-body', id: 'figures' });
  private readonly compiledNote = h('span', { class: 'note' });
  private readonly treeBody = h('div', { class: 'panel-body tree', id: 'tree' });
  private readonly disassemblyBody = h('div', { class: 'panel-body disassembly', id: 'disassembly' });
  private readonly fileInput = h('input', { attrs: { type: 'file', multiple: '', accept: '.policy,.frequency,text/plain', hidden: '' } });

  constructor(root: HTMLElement, workspace: PolicyWorkspace) {
    for (const file of workspace.files) this.files.set(file.path, file.text);
    this.entry = workspace.entry;
    this.arch = supportedArch(workspace.arch);
    this.active = workspace.entry;
    this.flags = { ...workspace.flags };

    const editorHost = h('div', { class: 'editor-host' });
    root.replaceChildren(
      this.buildToolbar(),
      h(
        'main',
        { class: 'workbench' },
        h(
          'div',
          { class: 'column left' },
          h('section', { class: 'panel editor-panel', attrs: { 'aria-label': 'Policy files' } }, this.tabs, editorHost),
          h(
            'section',
            { class: 'panel diagnostics-panel', attrs: { 'aria-label': 'Diagnostics panel' } },
            h('h2', {}, 'Diagnostics', this.diagnosticsNote),
            h('div', { class: 'panel-body' }, this.diagnosticsList),
          ),
        ),
        h(
          'div',
          { class: 'column right' },
          h('section', { class: 'panel', attrs: { 'aria-label': 'Compiled filter' } }, h('h2', {}, 'Compiled filter', this.compiledNote), this.figuresBody),
          h('section', { class: 'panel', attrs: { 'aria-label': 'Try a syscall' } }, h('h2', {}, 'Try a syscall', h('span', { class: 'note' }, 'arguments may use constant names: O_RDONLY|O_CLOEXEC')), h('div', { class: 'panel-body' }, this.simulator.element)),
          h('section', { class: 'panel', attrs: { 'aria-label': 'Dispatch tree' } }, h('h2', {}, 'Dispatch tree', h('span', { class: 'note' }, 'click a leaf to try its syscall')), this.treeBody),
          h('section', { class: 'panel', attrs: { 'aria-label': 'Disassembly' } }, h('h2', {}, 'Disassembly', h('span', { class: 'note' }, 'click a rule to show it')), this.disassemblyBody),
        ),
      ),
      h('div', { class: 'drop-hint' }, 'Drop policy files to open them'),
      this.fileInput,
    );
    this.editor = new PolicyEditor(editorHost, (path, text) => {
      this.files.set(path, text);
      this.scheduleAnalysis();
    });
    this.installDragAndDrop();
    this.fileInput.addEventListener('change', () => {
      void this.openFiles(this.fileInput.files);
      this.fileInput.value = '';
    });
    this.renderTabs();
    this.editor.open(this.active, this.files.get(this.active) ?? '');
    this.analyze();
    void this.ensureTable(this.arch);
  }

  /** The current state as a shareable workspace. */
  get workspace(): PolicyWorkspace {
    const flags = this.flags;
    return {
      arch: this.arch,
      entry: this.entry,
      files: [...this.files].map(([path, text]) => ({ path, text })),
      ...(Object.keys(flags).length > 0 ? { flags } : {}),
    };
  }

  /** Replaces everything with `workspace` (an example, a shared link). */
  load(workspace: PolicyWorkspace): void {
    for (const path of this.files.keys()) this.editor.forget(path);
    this.files = new Map(workspace.files.map((file) => [file.path, file.text]));
    this.entry = workspace.entry;
    this.active = workspace.entry;
    this.flags = { ...workspace.flags };
    this.syncFlagBoxes();
    this.setArch(workspace.arch);
    this.renderTabs();
    this.editor.open(this.active, this.files.get(this.active) ?? '');
    this.analyze();
  }

  private buildToolbar(): HTMLElement {
    for (const arch of ARCHITECTURES) this.archSelect.append(h('option', { attrs: { value: arch } }, arch));
    this.archSelect.value = this.arch;
    this.archSelect.addEventListener('change', () => {
      this.setArch(this.archSelect.value);
      this.analyze();
    });
    this.archSelect.value = this.arch;

    this.exampleSelect.addEventListener('change', () => {
      const path = this.exampleSelect.value;
      this.exampleSelect.value = '';
      if (path !== '') void this.openExample(path);
    });
    void this.refreshExamples();

    return h(
      'header',
      { class: 'toolbar' },
      h('h1', {}, 'Syscage ', h('span', {}, 'policy playground')),
      this.exampleSelect,
      h('label', {}, 'Architecture', this.archSelect),
      this.buildFlagsMenu(),
      h('button', { attrs: { type: 'button' }, onClick: () => { this.fileInput.click(); }, title: 'Open policy files from disk (or drop them on the page)' }, 'Open files…'),
      h('button', { id: 'share', attrs: { type: 'button' }, onClick: () => void this.share(), title: 'Put the files in the link and copy it' }, 'Copy share link'),
      this.status,
    );
  }

  /** The `syscage compile` flags as checkboxes. */
  private buildFlagsMenu(): HTMLElement {
    const entries: [keyof CompileFlags, string, string, boolean][] = [
      ['denylist', '--denylist', 'compile a @denylist policy: unlisted syscalls are allowed', false],
      ['useKillProcess', '--use-kill-process', 'the kill action is kill-process instead of kill-thread', false],
      ['logFailures', '--log-failures', 'every denial by the kill action or return N becomes LOG', false],
      ['optimize', '--no-optimize', 'turn every optimisation pass off', true],
    ];
    const boxes = entries.map(([name, flag, help, inverted]) => {
      const box = h('input', { id: `flag-${name}`, attrs: { type: 'checkbox' } });
      box.dataset['inverted'] = String(inverted);
      this.flagBoxes.set(name, box);
      box.addEventListener('change', () => {
        this.flags = this.readFlags();
        this.analyze();
      });
      return h('label', { title: help }, box, h('code', {}, flag));
    });
    this.syncFlagBoxes();
    return h('details', { class: 'flags' }, h('summary', {}, 'Compile flags'), h('div', { class: 'flags-menu' }, ...boxes));
  }

  /** The flags the boxes say, leaving out those at the CLI's default. */
  private readFlags(): CompileFlags {
    const flags: { -readonly [K in keyof CompileFlags]?: boolean } = {};
    for (const [name, box] of this.flagBoxes) {
      const value = box.dataset['inverted'] === 'true' ? !box.checked : box.checked;
      if (value !== (name === 'optimize')) flags[name] = value;
    }
    return flags;
  }

  private syncFlagBoxes(): void {
    for (const [name, box] of this.flagBoxes) {
      const value = this.flags[name] ?? name === 'optimize';
      box.checked = box.dataset['inverted'] === 'true' ? !value : value;
    }
  }

  private setArch(arch: string): void {
    const chosen = supportedArch(arch);
    const changed = chosen !== this.arch;
    this.arch = chosen;
    this.archSelect.value = chosen;
    if (changed) void this.refreshExamples();
    void this.ensureTable(chosen);
  }

  /** Loads an architecture's table (its own chunk) and re-analyses when it is the current one. */
  private async ensureTable(arch: string): Promise<void> {
    if (this.tables.has(arch)) return;
    this.archProblem = undefined;
    const result = await loadArch(arch);
    if (result.ok) this.tables.set(arch, result.table);
    else if (arch === this.arch) this.archProblem = result.message;
    if (arch === this.arch) {
      if (result.ok) this.simulator.setSyscallNames(Object.keys(result.table.syscalls).sort());
      this.analyze();
    }
  }

  /** Fills the example picker with the current architecture's folder of the policy tree. */
  private async refreshExamples(): Promise<void> {
    const arch = this.arch;
    const files = await loadExampleFiles(arch);
    if (arch !== this.arch) return;
    const entries = exampleEntries(files);
    this.exampleSelect.replaceChildren(
      h('option', { attrs: { value: '' } }, entries.length > 0 ? `Open an example (${arch})…` : `No examples for ${arch}`),
      ...entries.map((entry) => h('option', { attrs: { value: entry.path } }, entry.label)),
    );
    this.exampleSelect.disabled = entries.length === 0;
  }

  private renderTabs(): void {
    const counts = new Map<string, { errors: number; warnings: number }>();
    for (const path of this.files.keys()) {
      counts.set(path, countBySeverity(this.analysis?.diagnostics.filter((diagnostic) => diagnostic.file === path) ?? []));
    }
    const tabs = [...this.files.keys()].map((path) => {
      const count = counts.get(path) ?? { errors: 0, warnings: 0 };
      const tab = h(
        'div',
        {
          class: `tab${path === this.active ? ' active' : ''}`,
          title: path === this.entry ? `${path} (compiled as the top-level policy)` : `${path} — double-click to rename`,
          dataset: { path },
          attrs: { role: 'tab', 'aria-selected': String(path === this.active) },
          onClick: () => { this.activate(path); },
        },
        path === this.entry ? h('span', { class: 'entry-badge' }, '▶') : null,
        this.tabLabel(path),
        count.errors > 0 ? h('span', { class: 'count' }, String(count.errors)) : null,
        count.errors === 0 && count.warnings > 0 ? h('span', { class: 'count warning' }, String(count.warnings)) : null,
        path !== this.entry
          ? h('button', { title: `Close ${path}`, attrs: { 'aria-label': `Close ${path}` }, onClick: (event) => { event.stopPropagation(); this.closeFile(path); } }, '×')
          : null,
      );
      tab.addEventListener('dblclick', () => { this.renameFile(path); });
      return tab;
    });
    const actions = h(
      'div',
      { class: 'tab-actions' },
      h('button', { id: 'new-file', attrs: { type: 'button' }, onClick: () => { this.newFile(); }, title: 'Add a file next to the top-level policy' }, '+ file'),
      this.active !== this.entry
        ? h('button', { attrs: { type: 'button' }, onClick: () => { this.entry = this.active; this.renderTabs(); this.analyze(); }, title: 'Compile this file as the top-level policy' }, 'make top-level')
        : null,
    );
    this.tabs.replaceChildren(...tabs, actions);
  }

  /** File name, or the path relative to the entry's folder when that is shorter and clear. */
  private tabLabel(path: string): string {
    const folder = dirName(this.entry);
    const prefix = folder === '/' ? '/' : `${folder}/`;
    return path.startsWith(prefix) ? path.slice(prefix.length) : path;
  }

  private activate(path: string): void {
    if (!this.files.has(path) || path === this.active) return;
    this.active = path;
    this.editor.open(path, this.files.get(path) ?? '');
    this.renderTabs();
  }

  private newFile(): void {
    const path = uniquePath(dirName(this.entry), 'new.policy', this.files.keys());
    this.files.set(path, `# Include me from ${baseName(this.entry)} with:  @include ./${baseName(path)}\n`);
    this.active = path;
    this.editor.open(path, this.files.get(path) ?? '');
    this.renderTabs();
    this.analyze();
  }

  private renameFile(path: string): void {
    const wanted = window.prompt('New path or file name', path);
    if (wanted === null || wanted.trim() === '' || wanted.trim() === path) return;
    const trimmed = wanted.trim();
    const target = trimmed.startsWith('/') ? trimmed : `${dirName(path) === '/' ? '' : dirName(path)}/${trimmed}`;
    if (this.files.has(target)) {
      this.setStatus(`${target} already exists`);
      return;
    }
    const text = this.files.get(path) ?? '';
    this.files = new Map([...this.files].map(([key, value]) => (key === path ? [target, text] : [key, value])));
    this.editor.forget(path);
    if (this.entry === path) this.entry = target;
    if (this.active === path) this.active = target;
    this.editor.open(this.active, this.files.get(this.active) ?? '');
    this.renderTabs();
    this.analyze();
  }

  private closeFile(path: string): void {
    if (path === this.entry) return;
    this.files.delete(path);
    this.editor.forget(path);
    if (this.active === path) {
      this.active = this.entry;
      this.editor.open(this.active, this.files.get(this.active) ?? '');
    }
    this.renderTabs();
    this.analyze();
  }

  private async openExample(path: string): Promise<void> {
    const arch = this.arch;
    const files = filesReachedFrom(path, await loadExampleFiles(arch), arch);
    if (files.length === 0) return;
    this.load({ entry: path, arch, files });
    this.setStatus(`opened ${path} and the ${files.length - 1} file${files.length === 2 ? '' : 's'} it includes`);
  }

  /** Adds local files next to the entry; a file with the same name is replaced. */
  private async openFiles(list: FileList | null | undefined): Promise<void> {
    if (!list || list.length === 0) return;
    const folder = dirName(this.entry);
    let last: string | undefined;
    for (const file of Array.from(list)) {
      const path = `${folder === '/' ? '' : folder}/${file.name}`;
      this.editor.forget(path);
      this.files.set(path, await file.text());
      last = path;
    }
    if (last !== undefined) {
      this.active = last;
      this.editor.open(last, this.files.get(last) ?? '');
    }
    this.renderTabs();
    this.analyze();
    this.setStatus(`opened ${list.length} file${list.length === 1 ? '' : 's'}`);
  }

  private installDragAndDrop(): void {
    let depth = 0;
    window.addEventListener('dragenter', (event) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      depth++;
      document.body.classList.add('dragging');
    });
    window.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) document.body.classList.remove('dragging');
    });
    window.addEventListener('dragover', (event) => {
      if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
    });
    window.addEventListener('drop', (event) => {
      depth = 0;
      document.body.classList.remove('dragging');
      if (!event.dataTransfer?.files.length) return;
      event.preventDefault();
      void this.openFiles(event.dataTransfer.files);
    });
  }

  private async share(): Promise<void> {
    const hash = await encodeWorkspace(this.workspace);
    history.replaceState(null, '', hash);
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      this.setStatus(`link copied (${url.length} characters)`);
    } catch {
      this.setStatus(`link is in the address bar (${url.length} characters)`);
    }
  }

  /** Shows a short message in the toolbar. */
  notify(text: string): void {
    this.setStatus(text);
  }

  private setStatus(text: string): void {
    this.status.textContent = text;
    this.status.title = text;
  }

  private scheduleAnalysis(): void {
    if (this.pending !== undefined) clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.analyze();
    }, ANALYSIS_DELAY_MS);
  }

  private analyze(): void {
    if (this.pending !== undefined) clearTimeout(this.pending);
    this.pending = undefined;
    const table = this.tables.get(this.arch);
    const analysis = analyzeWorkspace(this.workspace, table);
    this.analysis = analysis;
    this.editor.setMarks(editorMarks(analysis.diagnostics));
    this.renderDiagnostics(analysis);
    this.renderTabs();
    this.renderCompiled(analysis, table);
    if (this.lastRequest !== undefined) this.runSimulation(this.lastRequest);
  }

  private renderCompiled(analysis: Analysis, table: ArchTable | undefined): void {
    const compiled = analysis.compiled;
    document.body.dataset['compiled'] = compiled ? `${compiled.table.name}:${compiled.program.length}` : '';
    if (!compiled) {
      const reason = table === undefined
        ? (this.archProblem ?? `Loading the ${this.arch} table…`)
        : 'Fix the errors to compile the policy.';
      this.compiledNote.textContent = this.arch;
      this.figuresBody.replaceChildren(h('p', { class: 'empty' }, reason));
      this.treeBody.replaceChildren(h('p', { class: 'empty' }, reason));
      this.disassemblyBody.replaceChildren(h('p', { class: 'empty' }, reason));
      this.disassembly = undefined;
      return;
    }
    this.compiledNote.textContent = `${compiled.table.name} · ${compiled.table.bits}-bit ${compiled.table.endianness}-endian · Linux ${compiled.table.kernelVersion} tables`;
    this.figuresBody.replaceChildren(
      h(
        'dl',
        { class: 'figures' },
        ...compiled.figures.map((figure) => h('div', { title: figure.detail, dataset: { figure: figure.id } }, h('dt', {}, figure.label), h('dd', {}, figure.value))),
      ),
    );
    this.disassembly = drawDisassembly(compiled, { onLink: (link) => { this.revealLink(link); } });
    this.disassemblyBody.replaceChildren(this.disassembly);
    this.drawTreeWithPath(compiled, []);
  }

  private drawTreeWithPath(compiled: CompiledView, path: readonly number[]): void {
    const tree = compiled.tree;
    if (!tree) {
      this.treeBody.replaceChildren(h('p', { class: 'empty' }, 'The program never tests the syscall number.'));
      return;
    }
    const ids = displayPath(tree, path, compiled.instructions);
    const onPath = new Set(ids);
    this.treeBody.replaceChildren(
      drawTree(tree, {
        path: onPath,
        onLeaf: (leaf) => {
          const name = leaf.filteredSyscalls[0] ?? leaf.names[0];
          if (name !== undefined) this.simulator.fill({ syscall: name, args: [] });
        },
      }),
    );
    scrollTreeTo(this.treeBody, ids[ids.length - 1] ?? tree.id);
  }

  private runSimulation(request: SyscallRequest): void {
    this.lastRequest = request;
    const analysis = this.analysis;
    const compiled: CompiledView | undefined = analysis?.compiled;
    if (!analysis || !compiled) {
      this.simulator.show(undefined, 'The policy does not compile yet.');
      this.editor.highlightRule(undefined);
      return;
    }
    const result = simulateSyscall(request, compiled, analysis.resolved, analysis.sources);
    this.simulator.show(result);
    const link = result.ok ? result.link : undefined;
    this.editor.highlightRule(link ? { file: link.file, from: link.range.start.offset, to: link.range.end.offset } : undefined);
    if (this.disassembly) highlightPath(this.disassembly, result.ok ? result.path : []);
    this.drawTreeWithPath(compiled, result.ok ? result.path : []);
  }

  private revealLink(link: RuleLink): void {
    this.revealRange(link.file, link.range.start.offset, link.range.end.offset);
  }

  private renderDiagnostics(analysis: Analysis): void {
    const shown = showDiagnostics(analysis.diagnostics, analysis.sources);
    const { errors, warnings } = countBySeverity(analysis.diagnostics);
    this.diagnosticsNote.textContent = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
    if (shown.length === 0) {
      this.diagnosticsList.replaceChildren(h('li', { class: 'ok-line' }, 'No problems found.'));
      return;
    }
    this.diagnosticsList.replaceChildren(
      ...shown.map(({ diagnostic, text }) => {
        const [headline = '', ...frame] = text.split('\n');
        return h(
          'li',
          {
            class: diagnostic.severity,
            dataset: { code: diagnostic.code, file: diagnostic.file },
            title: 'Show in the editor',
            onClick: () => { this.revealRange(diagnostic.file, diagnostic.range.start.offset, diagnostic.range.end.offset); },
          },
          h('span', { class: 'sev' }, headline),
          frame.length > 0 ? `\n${frame.join('\n')}` : '',
        );
      }),
    );
  }

  /** Opens `file` and selects a range in it. */
  revealRange(file: string, from: number, to: number): void {
    if (!this.files.has(file)) {
      this.setStatus(`${file} is not open`);
      return;
    }
    this.activate(file);
    this.editor.reveal(from, to);
  }
}

/** The canonical name of `arch` (aliases such as `arm64` accepted), or `x86_64` if not bundled. */
function supportedArch(arch: string): string {
  const resolved = resolveArchName(arch);
  return resolved.ok && ARCHITECTURES.includes(resolved.name) ? resolved.name : 'x86_64';
}
