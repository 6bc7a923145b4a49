// The sandbox page: shows what the bot sent (from the Slack stand-in) and sends only what Slack
// would send (through the sandbox's small JSON API, which signs it for the bot). Plain script,
// no build step, nothing from the internet. Layout: state and polling; the page's regions
// (sidebar, conversation, thread, Home, modals, API log); Block Kit; mrkdwn.
"use strict";

// ---------------------------------------------------------------------------------------------
// State and talking to the sandbox
// ---------------------------------------------------------------------------------------------

const POLL_MS = 500;
const REQUIRED = "Please complete this required field.";
const state = {
  user: null,
  data: null,          // what the sandbox says this member sees
  version: "",
  place: { kind: "channel", id: null },   // channel | app (tab: home | messages)
  tab: "home",
  thread: null,        // { channel, ts }
  seen: {},            // user -> conversation id -> newest ts seen
  dismissed: new Set(),
  values: {},          // surface key (view id, or "msg:<ts>") -> block_id -> action_id -> value
  signatures: {},      // region -> last rendered signature
  apiSeen: 0,
};

const $ = (selector, root = document) => root.querySelector(selector);

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(operation, body) {
  const response = await fetch(`/sandbox/api/${operation}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: state.user, ...body }),
  });
  const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) toast(answer.error || `HTTP ${response.status}`, true);
  else if (answer.warning) toast(answer.warning, true);
  await refresh(true);
  return answer;
}

let polling = null;
async function refresh(force = false) {
  if (!state.user) return;
  const since = force ? "" : state.version;
  try {
    const response = await fetch(
      `/sandbox/api/state?user=${encodeURIComponent(state.user)}&since=${encodeURIComponent(since)}`,
      { cache: "no-store" });
    const data = await response.json();
    $("#connection").textContent = "";
    if (data.unchanged) return;
    state.data = data;
    state.version = data.version;
    render();
  } catch (error) {
    $("#connection").textContent = "The sandbox is not answering — is it still running?";
  }
}

function startPolling() {
  clearInterval(polling);
  polling = setInterval(() => refresh(false), POLL_MS);
}

function toast(text, isError = false) {
  const node = h("div", { className: "toast" + (isError ? " error" : ""), role: "status" }, text);
  $("#toasts").append(node);
  setTimeout(() => node.remove(), isError ? 9000 : 4000);
}

// ---------------------------------------------------------------------------------------------
// People, conversations, time
// ---------------------------------------------------------------------------------------------

function person(id) {
  return (state.data.people || []).find((p) => p.id === id);
}

function displayName(id) {
  const found = person(id);
  if (!found) return id;
  return found.real_name || found.name;
}

function conversation(id) {
  return state.data.conversations.find((c) => c.id === id);
}

function myTimezone() {
  return (state.data.me && state.data.me.tz) || "UTC";
}

function tsDate(ts) {
  return new Date(parseFloat(ts) * 1000);
}

function formatTime(date, options) {
  try {
    return new Intl.DateTimeFormat("en-GB", { timeZone: myTimezone(), ...options }).format(date);
  } catch (error) {
    return date.toISOString();
  }
}

function initials(name) {
  return name.split(/\s+/).map((part) => part[0] || "").join("").slice(0, 2).toUpperCase();
}

function colourFor(id) {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360}, 45%, 45%)`;
}

// ---------------------------------------------------------------------------------------------
// Rendering the page
// ---------------------------------------------------------------------------------------------

function changed(region, value) {
  const signature = JSON.stringify(value);
  if (state.signatures[region] === signature) return false;
  state.signatures[region] = signature;
  return true;
}

function render() {
  const data = state.data;
  $("#team-name").textContent = data.team.name;
  if (!state.place.id) {
    const network = data.conversations.find((c) => c.id === data.clock.channel)
      || data.conversations.find((c) => c.kind !== "im");
    state.place = { kind: "channel", id: network ? network.id : null };
  }
  renderMember();
  renderSidebar();
  renderClock();
  renderMain();
  renderThread();
  renderModals();
  renderApiLog();
}

function renderMember() {
  const select = $("#member");
  const people = state.data.people.filter((p) => !p.is_bot);
  if (changed("members", [people.map((p) => p.id), state.user])) {
    select.replaceChildren(...people.map((p) => h("option", { value: p.id, selected: p.id === state.user },
      `${p.real_name} (${(state.data.roles[p.id] || "member").split(" ·")[0]})`)));
  }
  const me = state.data.me;
  const role = state.data.roles[me.id] || "";
  const local = formatTime(new Date(state.data.clock.now), { weekday: "short", hour: "2-digit", minute: "2-digit" });
  $("#member-role").textContent = `${role} · ${me.tz} · ${local} there`;
}

function unreadCount(conv) {
  const seen = (state.seen[state.user] || {})[conv.id] || "0";
  return conv.messages.filter((m) => m.ts > seen && m.user !== state.user && !m.subtype
    && (!m.thread_ts || m.thread_ts === m.ts)).length;
}

function markSeen(conv) {
  if (!conv || !conv.messages.length) return;
  state.seen[state.user] = state.seen[state.user] || {};
  state.seen[state.user][conv.id] = conv.messages[conv.messages.length - 1].ts;
}

function renderSidebar() {
  const data = state.data;
  const channels = data.conversations.filter((c) => c.kind !== "im");
  const dm = data.conversations.find((c) => c.kind === "im");
  const items = channels.map((c) => {
    const active = state.place.kind === "channel" && state.place.id === c.id;
    if (active) markSeen(c);
    const unread = active ? 0 : unreadCount(c);
    return h("li", {}, h("button", {
      type: "button",
      className: [active ? "active" : "", unread ? "unread" : "", c.is_member ? "" : "not-member"].join(" "),
      onclick: () => openChannel(c.id),
      dataset: { channel: c.name },
    }, `${c.kind === "private" ? "🔒" : "#"} ${c.name}`, unread ? h("span", { className: "badge" }, unread) : null));
  });
  const appActive = state.place.kind === "app";
  if (appActive && state.tab === "messages" && dm) markSeen(dm);
  const dmUnread = dm && !(appActive && state.tab === "messages") ? unreadCount(dm) : 0;
  const signature = [items.map((i) => i.outerHTML), appActive, dmUnread];
  if (!changed("sidebar", signature)) return;
  $("#channel-list").replaceChildren(...items);
  $("#app-list").replaceChildren(h("li", {}, h("button", {
    type: "button", className: [appActive ? "active" : "", dmUnread ? "unread" : ""].join(" "),
    onclick: () => openApp(dmUnread ? "messages" : state.tab), dataset: { app: "kindness" },
  }, "🌱 Kindness", dmUnread ? h("span", { className: "badge", title: "New direct messages" }, dmUnread) : null)));
}

function renderClock() {
  const clock = state.data.clock;
  $("#clock-now").textContent = `${clock.local} (${clock.timezone})`;
  if (!changed("activity", clock.activity)) return;
  $("#activity").replaceChildren(...clock.activity.slice().reverse().map((a) =>
    h("li", { className: a.ok ? "" : "failed" }, a.text)));
}

function openChannel(id) {
  state.place = { kind: "channel", id };
  state.signatures.main = null;
  render();
  $("#composer-text").focus();
}

function openApp(tab) {
  state.place = { kind: "app", id: "kindness" };
  state.tab = tab;
  state.signatures.main = null;
  render();
  api("open_app", { tab });
}

function currentConversation() {
  if (state.place.kind === "app") return state.data.conversations.find((c) => c.kind === "im");
  return conversation(state.place.id);
}

function entriesOf(conv, threadTs) {
  // Messages and this member's ephemeral messages in one conversation (or one thread), by time.
  const inThread = (m) => m.thread_ts && m.thread_ts !== m.ts;
  const messages = conv.messages.filter((m) => (threadTs ? (m.ts === threadTs || m.thread_ts === threadTs) : !inThread(m)));
  const ephemerals = state.data.ephemerals.filter((e) => e.channel === conv.id && !state.dismissed.has(e.ts)
    && (threadTs ? e.thread_ts === threadTs : !e.thread_ts));
  return [...messages.map((m) => ({ message: m })), ...ephemerals.map((e) => ({ ephemeral: e }))]
    .sort((a, b) => parseFloat((a.message || a.ephemeral).ts) - parseFloat((b.message || b.ephemeral).ts));
}

function renderMain() {
  const conv = currentConversation();
  const isApp = state.place.kind === "app";
  $("#app-tabs").hidden = !isApp;
  for (const button of document.querySelectorAll("#app-tabs button")) {
    button.classList.toggle("active", button.dataset.tab === state.tab);
    button.setAttribute("aria-selected", button.dataset.tab === state.tab);
  }
  const showHome = isApp && state.tab === "home";
  $("#home").hidden = !showHome;
  $("#messages").hidden = showHome;
  $("#composer").hidden = showHome;
  renderHeader(conv, isApp);
  if (showHome) {
    renderHome();
    return;
  }
  if (!conv) {
    $("#messages").replaceChildren(h("div", { className: "empty-note" }, "Nothing here yet."));
    return;
  }
  renderComposerState(conv);
  const entries = entriesOf(conv);
  if (!changed("main", [conv.id, entries, state.data.files, state.user, state.data.people.length, myTimezone()])) return;
  const list = $("#messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  list.replaceChildren(...renderEntries(entries, conv, false));
  if (!entries.length) list.append(h("div", { className: "empty-note" }, isApp
    ? "Direct messages from the bot (nudges, answers to buttons) show here."
    : "No messages yet. Type /kindness help below, or post this week's prompt from the clock panel."));
  if (atBottom || state.signatures.scrolledFor !== conv.id) list.scrollTop = list.scrollHeight;
  state.signatures.scrolledFor = conv.id;
}

function renderHeader(conv, isApp) {
  const header = $("#conversation-header");
  const title = isApp ? "🌱 Kindness" : conv ? `${conv.kind === "private" ? "🔒" : "#"} ${conv.name}` : "";
  const signature = [title, conv && conv.is_member, conv && conv.member_count, conv && conv.bot_is_member];
  if (!changed("header", signature)) return;
  const children = [h("h1", {}, title)];
  if (isApp) children.push(h("span", { className: "muted small" }, "the bot's Home tab and your direct messages with it"));
  else if (conv) {
    children.push(h("span", { className: "muted small" }, `${conv.member_count} members${conv.bot_is_member ? " · the bot is in this channel" : " · the bot is not in this channel"}`));
    if (conv.is_member) children.push(h("button", { type: "button", onclick: () => api("leave", { channel: conv.id }) }, "Leave channel"));
  }
  header.replaceChildren(...children);
}

function renderComposerState(conv) {
  const form = $("#composer");
  const textarea = $("#composer-text");
  const note = $(".composer-note", form);
  let joinBar = $("#join-bar");
  if (conv.kind !== "im" && !conv.is_member) {
    form.hidden = true;
    if (!joinBar) {
      joinBar = h("div", { id: "join-bar", className: "join-bar" });
      form.after(joinBar);
    }
    joinBar.replaceChildren(`You are viewing #${conv.name}.`,
      h("button", { type: "button", onclick: () => api("join", { channel: conv.id }) }, "Join channel"));
    return;
  }
  if (joinBar) joinBar.remove();
  form.hidden = false;
  const readOnly = conv.kind === "im" && state.data.app.messages_read_only;
  form.classList.toggle("disabled", readOnly);
  textarea.disabled = readOnly;
  textarea.placeholder = readOnly ? "" : conv.kind === "im" ? "Message Kindness" : `Message #${conv.name} — or type /kindness help`;
  note.textContent = readOnly ? "Sending messages to this app has been turned off." : "";
}

function renderEntries(entries, conv, inThread) {
  const nodes = [];
  let lastDay = null;
  for (const entry of entries) {
    const item = entry.message || entry.ephemeral;
    const day = formatTime(tsDate(item.ts), { weekday: "long", day: "numeric", month: "long" });
    if (!inThread && day !== lastDay) {
      nodes.push(h("div", { className: "day-divider" }, h("span", {}, day)));
      lastDay = day;
    }
    nodes.push(entry.message ? renderMessage(entry.message, conv, inThread) : renderEphemeral(entry.ephemeral, conv));
  }
  return nodes;
}

function sender(message) {
  if (message.bot_id || message.user === state.data.bot.id) {
    return { name: state.data.bot.name === "Kindness Bot" ? "Kindness" : state.data.bot.name, bot: true };
  }
  return { name: displayName(message.user), bot: false };
}

function avatar(id, who) {
  if (who.slackbot) return h("div", { className: "avatar slackbot" }, "S");
  if (who.bot) return h("div", { className: "avatar bot" }, "🌱");
  return h("div", { className: "avatar", style: `background:${colourFor(id || "")}` }, initials(who.name));
}

function metaLine(who, ts, extra) {
  return h("div", { className: "meta" },
    h("span", { className: "name" }, who.name),
    who.bot || who.slackbot ? h("span", { className: "app" }, "APP") : null,
    h("time", { datetime: tsDate(ts).toISOString(), title: formatTime(tsDate(ts), { dateStyle: "full", timeStyle: "short" }) },
      formatTime(tsDate(ts), { hour: "2-digit", minute: "2-digit" })),
    extra);
}

function renderMessage(message, conv, inThread) {
  if (message.subtype === "channel_join" || message.subtype === "channel_leave") {
    return h("div", { className: "message system", dataset: { ts: message.ts, testid: "message" } },
      h("div", { className: "body" }, mrkdwn(message.text)));
  }
  const who = sender(message);
  const surface = { kind: "message", channel: conv.id, ts: message.ts };
  const body = h("div", { className: "body" }, metaLine(who, message.ts));
  if (message.blocks && message.blocks.length && who.bot) body.append(renderBlocks(message.blocks, surface));
  else body.append(h("div", { className: "text" }, mrkdwn(message.text || "")));
  if (message.edited) body.append(h("span", { className: "edited" }, " (edited)"));
  if (message.files && message.files.length) body.append(renderFiles(message.files));
  if (message.reactions && message.reactions.length) {
    body.append(h("div", { className: "reactions" }, message.reactions.map((r) =>
      h("span", { className: "reaction", title: `:${r.name}: by ${r.users.map(displayName).join(", ")}`, dataset: { reaction: r.name } },
        `${emoji(r.name)} ${r.count}`))));
  }
  const replies = conv.messages.filter((m) => m.thread_ts === message.ts && m.ts !== message.ts);
  if (!inThread && replies.length) {
    body.append(h("button", { type: "button", className: "replies", onclick: () => openThread(conv.id, message.ts) },
      `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`));
  }
  const node = h("div", { className: "message", dataset: { ts: message.ts, testid: "message" } }, avatar(message.user, who), body);
  node.append(messageMenu(message, conv, inThread));
  return node;
}

function renderEphemeral(ephemeral, conv) {
  const slackbot = ephemeral.via === "slack";
  const who = slackbot ? { name: "Slackbot", slackbot: true } : { name: "Kindness", bot: true };
  const surface = { kind: "ephemeral", channel: conv.id, ts: ephemeral.ts };
  const body = h("div", { className: "body" },
    h("div", { className: "only-you" }, "👁 Only visible to you",
      h("button", { type: "button", onclick: () => { state.dismissed.add(ephemeral.ts); state.signatures.main = null; state.signatures.thread = null; render(); } }, "Dismiss")),
    metaLine(who, ephemeral.ts));
  if (ephemeral.blocks && ephemeral.blocks.length) body.append(renderBlocks(ephemeral.blocks, surface));
  else body.append(h("div", { className: "text" }, mrkdwn(ephemeral.text || "")));
  if (ephemeral.edited) body.append(h("span", { className: "edited" }, " (edited)"));
  return h("div", { className: "message ephemeral", dataset: { ts: ephemeral.ts, testid: "ephemeral" } }, avatar(null, who), body);
}

function messageMenu(message, conv, inThread) {
  const button = h("button", { type: "button", className: "menu-button", "aria-label": "More actions", "aria-expanded": "false" }, "⋯");
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    closeMenus();
    const items = [];
    if (!inThread && conv.kind !== "im") items.push(["Reply in thread", () => openThread(conv.id, message.thread_ts || message.ts)]);
    if (state.data.app.shortcuts.length) {
      items.push(["label", "Kindness"]);
      for (const shortcut of state.data.app.shortcuts) {
        items.push([shortcut.name, () => api("shortcut", { channel: conv.id, ts: message.ts, callback_id: shortcut.callback_id })]);
      }
    }
    if (message.user === state.user && !message.subtype) {
      items.push(["Edit message", () => editMessage(message, conv)]);
      items.push(["Delete message", () => confirmDialog({ title: "Delete message", text: "Are you sure you want to delete this message? This cannot be undone.", confirm: "Delete", danger: true })
        .then((yes) => yes && api("delete", { channel: conv.id, ts: message.ts }))]);
    }
    const menu = h("div", { className: "menu", role: "menu" }, items.map(([label, act]) => label === "label"
      ? h("div", { className: "label" }, act)
      : h("button", { type: "button", role: "menuitem", onclick: () => { closeMenus(); act(); } }, label)));
    const rect = button.getBoundingClientRect();
    menu.style.top = `${rect.bottom + window.scrollY + 2}px`;
    menu.style.left = `${Math.max(8, rect.right - 230)}px`;
    document.body.append(menu);
    button.setAttribute("aria-expanded", "true");
  });
  return button;
}

function closeMenus() {
  for (const menu of document.querySelectorAll(".menu")) menu.remove();
  for (const button of document.querySelectorAll(".menu-button[aria-expanded=true]")) button.setAttribute("aria-expanded", "false");
}
document.addEventListener("click", closeMenus);

function editMessage(message, conv) {
  const textarea = h("textarea", {}, plainText(message.text || ""));
  const dialog = h("div", { className: "dialog", role: "dialog" }, h("h3", {}, "Edit message"), textarea,
    h("div", { className: "buttons" },
      h("button", { type: "button", onclick: () => overlay.remove() }, "Cancel"),
      h("button", { type: "button", className: "confirm", onclick: () => { overlay.remove(); api("edit", { channel: conv.id, ts: message.ts, text: textarea.value }); } }, "Save")));
  const overlay = h("div", { className: "overlay" }, dialog);
  $("#dialog-root").append(overlay);
  textarea.focus();
}

function plainText(slackText) {
  return slackText.replace(/<@(\w+)>/g, (_, id) => "@" + ((person(id) || {}).name || id))
    .replace(/<!(here|channel|everyone)>/g, "@$1")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function renderFiles(files) {
  return h("div", { className: "files" }, files.map((file) => {
    const known = state.data.files[file.id] || file;
    const url = `/sandbox/files/${encodeURIComponent(file.id)}`;
    const isImage = /^image\//.test(known.mimetype || "");
    return h("div", { className: "file", dataset: { file: known.name } },
      isImage ? h("img", { src: url, alt: known.title || known.name })
        : h("span", { className: "icon" }, "📄"),
      h("div", {}, h("div", {}, h("strong", {}, known.title || known.name)),
        h("div", { className: "muted small" }, `${known.name} · ${formatSize(known.size || 0)} · `,
          h("a", { href: url, target: "_blank", rel: "noopener" }, "Open"), " · ",
          h("a", { href: `${url}?download=1`, download: known.name }, "Download"))));
  }));
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// -- the thread pane ----------------------------------------------------------------------------

function openThread(channel, ts) {
  state.thread = { channel, ts };
  state.signatures.thread = null;
  render();
  $("#thread-composer textarea").focus();
}

function renderThread() {
  const pane = $("#thread");
  const thread = state.thread;
  const conv = thread && conversation(thread.channel);
  const parent = conv && conv.messages.find((m) => m.ts === thread.ts);
  if (!parent) {
    pane.hidden = true;
    return;
  }
  pane.hidden = false;
  $("#thread-where").textContent = `#${conv.name}`;
  const form = $("#thread-composer");
  form.hidden = !conv.is_member;
  const entries = entriesOf(conv, thread.ts);
  if (!changed("thread", [thread, entries, state.user, myTimezone()])) return;
  const list = $("#thread-messages");
  const nodes = renderEntries(entries, conv, true);
  if (nodes.length) nodes[0].classList.add("thread-parent");
  list.replaceChildren(...nodes);
  list.scrollTop = list.scrollHeight;
}

// -- App Home -----------------------------------------------------------------------------------

function renderHome() {
  const home = state.data.home;
  if (!changed("home", [home, state.user, myTimezone(), state.data.app.home_tab])) return;
  const root = $("#home");
  if (!state.data.app.home_tab) root.replaceChildren(h("div", { className: "empty-note" }, "This app has no Home tab."));
  else if (!home) root.replaceChildren(h("div", { className: "empty-note" }, "Opening Home…"));
  else root.replaceChildren(renderBlocks(home.blocks, { kind: "view", viewId: home.id }));
}

// -- modals -------------------------------------------------------------------------------------

function renderModals() {
  const stack = state.data.modals || [];
  const top = stack[stack.length - 1];
  if (!changed("modal", [top, stack.length, state.user])) return;
  const root = $("#modal-root");
  if (!top) {
    root.replaceChildren();
    return;
  }
  const surface = { kind: "view", viewId: top.id, modal: true, errors: top.errors || {} };
  seedValues(top);
  const body = h("div", { className: "modal-body" });
  if (top.banner) body.append(h("div", { className: "banner", role: "alert" }, top.banner));
  body.append(renderBlocks(top.blocks, surface));
  const footer = h("footer", {},
    h("button", { type: "button", className: "close", onclick: () => api("close", { view_id: top.id }) },
      (top.close && top.close.text) || "Cancel"),
    top.submit ? h("button", { type: "button", className: "submit", onclick: (event) => submitModal(top, event.target) }, top.submit.text) : null);
  const header = h("header", {},
    stack.length > 1 ? h("button", { type: "button", "aria-label": "Back", onclick: () => api("close", { view_id: top.id }) }, "←") : null,
    h("h2", {}, top.title ? top.title.text : ""),
    h("button", { type: "button", "aria-label": "Close", onclick: () => api("close", { view_id: top.id }) }, "×"));
  const modal = h("div", { className: "modal", role: "dialog", "aria-modal": "true", "aria-label": top.title ? top.title.text : "Modal", dataset: { testid: "modal", callback: top.callback_id || "" } }, header, body, footer);
  root.replaceChildren(h("div", { className: "overlay" }, modal));
  const first = $("input:not([type=radio]):not([type=checkbox]), textarea, select", body);
  if (first) first.focus();
}

function submitModal(view, button) {
  // Slack's client checks required inputs and min_length itself; only then is the app asked.
  const values = state.values[view.id] || {};
  const errors = {};
  for (const block of view.blocks) {
    if (block.type !== "input") continue;
    const value = ((values[block.block_id] || {})[block.element.action_id]) || {};
    const element = block.element;
    if (!block.optional && isEmpty(value)) errors[block.block_id] = REQUIRED;
    else if (element.min_length && (value.value || "").length && (value.value || "").length < element.min_length) {
      errors[block.block_id] = `Please enter at least ${element.min_length} characters.`;
    }
  }
  if (Object.keys(errors).length) {
    state.signatures.modal = null;
    state.data.modals[state.data.modals.length - 1] = { ...view, errors, banner: null };
    renderModals();
    return;
  }
  button.disabled = true;
  button.textContent = "Submitting…";
  api("submit", { view_id: view.id, values }).finally(() => {
    // Drawn again even when the answer changed nothing (the same error twice, say).
    state.signatures.modal = null;
    if (state.data) renderModals();
  });
}

function isEmpty(value) {
  if (!value || !value.type) return true;
  for (const key of ["value", "selected_option", "selected_date", "selected_time", "selected_user", "selected_conversation", "selected_channel", "selected_date_time"]) {
    if (key in value) return value[key] === null || value[key] === "" || value[key] === undefined;
  }
  for (const key of ["selected_options", "selected_users", "selected_conversations", "selected_channels"]) {
    if (key in value) return !value[key] || !value[key].length;
  }
  return true;
}

// -- the API log ----------------------------------------------------------------------------------

function renderApiLog() {
  const calls = state.data.api_calls || [];
  const failed = calls.filter((c) => !c.ok);
  $("#api-count").textContent = `(last ${calls.length})`;
  $("#api-errors").textContent = failed.length ? `${failed.length} refused` : "";
  const newest = calls.length ? calls[calls.length - 1].at : 0;
  for (const call of calls) {
    if (!call.ok && call.at > state.apiSeen && state.apiSeen) toast(`Slack refused ${call.method}: ${call.error || "HTTP " + call.status}`, true);
  }
  state.apiSeen = Math.max(state.apiSeen, newest);
  if (!changed("api", calls.length ? [calls.length, newest] : [])) return;
  $("#api-log tbody").replaceChildren(...calls.slice().reverse().map((c) => h("tr", { className: c.ok ? "" : "failed" },
    h("td", {}, new Date(c.at * 1000).toLocaleTimeString("en-GB")),
    h("td", {}, c.method),
    h("td", {}, c.ok ? "ok" : (c.error || `HTTP ${c.status}`)),
    h("td", {}, c.summary))));
}

// ---------------------------------------------------------------------------------------------
// Block Kit
// ---------------------------------------------------------------------------------------------

function surfaceKey(surface) {
  return surface.kind === "view" ? surface.viewId : `msg:${surface.ts}`;
}

function setValue(surface, blockId, actionId, value) {
  const key = surfaceKey(surface);
  state.values[key] = state.values[key] || {};
  state.values[key][blockId] = state.values[key][blockId] || {};
  state.values[key][blockId][actionId] = value;
}

function seedValues(view) {
  // Slack keeps what a person entered when a view is updated and the input keeps its
  // block_id and action_id; inputs that are new start from their initial values.
  const current = state.values[view.id] || {};
  const fresh = {};
  for (const block of view.blocks) {
    if (block.type !== "input" || !block.element) continue;
    const actionId = block.element.action_id;
    const kept = (current[block.block_id] || {})[actionId];
    fresh[block.block_id] = { [actionId]: kept && kept.type === block.element.type ? kept : initialValue(block.element) };
  }
  state.values[view.id] = fresh;
}

function option(opt) {
  return opt ? { text: opt.text, value: opt.value, ...(opt.description ? { description: opt.description } : {}) } : null;
}

function initialValue(element) {
  const type = element.type;
  switch (type) {
    case "plain_text_input": case "email_text_input": case "url_text_input": case "number_input":
      return { type, value: element.initial_value ?? null };
    case "static_select": case "radio_buttons": case "external_select":
      return { type, selected_option: option(element.initial_option) };
    case "multi_static_select": case "checkboxes": case "multi_external_select":
      return { type, selected_options: (element.initial_options || []).map(option) };
    case "datepicker": return { type, selected_date: element.initial_date || null };
    case "timepicker": return { type, selected_time: element.initial_time || null, ...(element.timezone ? { timezone: element.timezone } : {}) };
    case "datetimepicker": return { type, selected_date_time: element.initial_date_time || null };
    case "users_select": return { type, selected_user: element.initial_user || null };
    case "multi_users_select": return { type, selected_users: element.initial_users || [] };
    case "conversations_select": return { type, selected_conversation: element.initial_conversation || null };
    case "multi_conversations_select": return { type, selected_conversations: element.initial_conversations || [] };
    case "channels_select": return { type, selected_channel: element.initial_channel || null };
    case "multi_channels_select": return { type, selected_channels: element.initial_channels || [] };
    default: return { type };
  }
}

function renderBlocks(blocks, surface) {
  return h("div", { className: "blocks" }, (blocks || []).map((block) => renderBlock(block, surface)));
}

function renderBlock(block, surface) {
  switch (block.type) {
    case "header": return h("div", { className: "bk-header" }, emojify(block.text.text));
    case "divider": return h("hr", { className: "bk-divider" });
    case "section": return renderSection(block, surface);
    case "context": return h("div", { className: "bk-context" }, block.elements.map((el) =>
      el.type === "image" ? renderImage(el, "inline") : h("span", {}, textObject(el))));
    case "actions": return h("div", { className: "bk-actions", dataset: { blockId: block.block_id } },
      block.elements.map((el) => renderElement(el, block, surface)));
    case "image": return h("figure", { className: "bk-image", style: "margin:4px 0" },
      block.title ? h("div", { className: "title" }, textObject(block.title)) : null, renderImage(block, "block"));
    case "input": return renderInputBlock(block, surface);
    case "markdown": return h("div", { className: "text" }, mrkdwn(block.text || ""));
    case "rich_text": return h("div", { className: "text" }, richText(block));
    default: return h("div", { className: "bk-unknown" }, `(${block.type} block)`);
  }
}

function renderSection(block, surface) {
  const content = h("div", { className: "content" });
  if (block.text) content.append(h("div", { className: "text" }, textObject(block.text)));
  if (block.fields) content.append(h("div", { className: "bk-fields" }, block.fields.map((f) => h("div", { className: "text" }, textObject(f)))));
  const accessory = block.accessory
    ? (block.accessory.type === "image" ? renderImage(block.accessory, "accessory") : renderElement(block.accessory, block, surface))
    : null;
  return h("div", { className: "bk-section", dataset: { blockId: block.block_id } }, content, accessory);
}

function textObject(text) {
  if (!text) return "";
  if (text.type === "plain_text") return emojify(text.text);
  return mrkdwn(text.text, text.verbatim);
}

function imageUrl(element) {
  const file = element.slack_file;
  if (file) {
    const id = file.id || ((file.url || "").match(/\b(F[A-Z0-9]{6,})\b/) || [])[1];
    if (id) return `/sandbox/files/${encodeURIComponent(id)}`;
    return file.url;
  }
  return element.image_url;
}

function renderImage(element, where) {
  const url = imageUrl(element);
  const img = h("img", { src: url, alt: element.alt_text || "", title: element.alt_text || "" });
  img.addEventListener("error", () => img.replaceWith(h("div", { className: "missing" }, `🖼 ${element.alt_text || "image"} (${url})`)));
  if (where === "accessory") img.style.cssText = "width:88px;height:88px;object-fit:cover;border-radius:6px";
  return img;
}

function sendAction(surface, block, element, extra, button) {
  const action = { action_id: element.action_id, block_id: block.block_id, type: element.type, ...extra };
  if (element.type === "button") {
    action.text = element.text;
    if (element.value !== undefined) action.value = element.value;
  }
  const go = async () => {
    if (button) button.disabled = true;
    const body = { action };
    if (surface.kind === "view") {
      body.view_id = surface.viewId;
      body.state = state.values[surface.viewId] || {};
    } else if (surface.kind === "ephemeral") {
      body.ephemeral_ts = surface.ts;
      body.state = state.values[surfaceKey(surface)] || {};
    } else {
      body.channel = surface.channel;
      body.message_ts = surface.ts;
      body.state = state.values[surfaceKey(surface)] || {};
    }
    try {
      await api("click", body);
    } finally {
      if (button) button.disabled = false;
    }
  };
  if (element.confirm) {
    confirmDialog({
      title: element.confirm.title ? element.confirm.title.text : "Are you sure?",
      text: element.confirm.text,
      confirm: element.confirm.confirm ? element.confirm.confirm.text : "Yes",
      deny: element.confirm.deny ? element.confirm.deny.text : "Cancel",
      danger: element.confirm.style === "danger",
    }).then((yes) => yes && go());
  } else {
    go();
  }
}

function renderElement(element, block, surface) {
  const type = element.type;
  if (type === "button") {
    const button = h("button", {
      type: "button",
      className: `bk-button ${element.style || ""}`,
      dataset: { actionId: element.action_id },
    }, emojify(element.text.text));
    button.addEventListener("click", () => {
      if (element.url) window.open(element.url, "_blank", "noopener");
      sendAction(surface, block, element, {}, button);
    });
    return button;
  }
  if (type === "overflow") {
    const select = h("select", { className: "bk-select", "aria-label": "More options", dataset: { actionId: element.action_id } },
      h("option", { value: "" }, "⋯"), element.options.map((o, i) => h("option", { value: i }, o.text.text)));
    select.addEventListener("change", () => {
      const chosen = element.options[select.value];
      select.value = "";
      if (chosen) sendAction(surface, block, element, { selected_option: option(chosen) });
    });
    return select;
  }
  return renderInput(element, block, surface, true);
}

function renderInputBlock(block, surface) {
  const error = (surface.errors || {})[block.block_id];
  const id = `in-${surfaceKey(surface)}-${block.block_id}`;
  return h("div", { className: "bk-input-block" + (error ? " has-error" : ""), dataset: { blockId: block.block_id } },
    h("label", { className: "label", for: id }, textObject(block.label), block.optional ? h("span", { className: "optional" }, " (optional)") : null),
    renderInput(block.element, block, surface, Boolean(block.dispatch_action), id),
    error ? h("div", { className: "error", role: "alert" }, error) : null,
    block.hint ? h("div", { className: "hint" }, textObject(block.hint)) : null);
}

function currentValue(surface, block, element) {
  const key = surfaceKey(surface);
  return ((state.values[key] || {})[block.block_id] || {})[element.action_id] || initialValue(element);
}

function renderInput(element, block, surface, dispatches, id) {
  // One control per Block Kit input element; each change is kept as Slack's state value, and
  // an element outside an input block (or with dispatch_action) also sends block_actions.
  const type = element.type;
  const value = currentValue(surface, block, element);
  const keep = (next, extra) => {
    setValue(surface, block.block_id, element.action_id, next);
    if (dispatches) sendAction(surface, block, element, extra || {});
  };
  const placeholder = element.placeholder ? element.placeholder.text : "";
  const dataset = { actionId: element.action_id };
  if (["plain_text_input", "email_text_input", "url_text_input", "number_input"].includes(type)) {
    const attrs = { id, className: "bk-input", placeholder, dataset, maxlength: element.max_length || null };
    const control = element.multiline ? h("textarea", attrs, value.value || "")
      : h("input", { ...attrs, type: { email_text_input: "email", url_text_input: "url", number_input: "number" }[type] || "text", value: value.value || "" });
    control.addEventListener("input", () => setValue(surface, block.block_id, element.action_id, { type, value: control.value === "" ? null : control.value }));
    if (dispatches) control.addEventListener("keydown", (event) => { if (event.key === "Enter" && !element.multiline) keep({ type, value: control.value }, { value: control.value }); });
    return control;
  }
  if (type === "static_select" || type === "external_select" || type === "multi_static_select") {
    const options = element.options || (element.option_groups || []).flatMap((g) => g.options);
    const multi = type.startsWith("multi_");
    const chosen = multi ? (value.selected_options || []).map((o) => o.value) : [value.selected_option && value.selected_option.value];
    const select = h("select", { id, className: "bk-select", dataset, multiple: multi },
      multi ? null : h("option", { value: "" }, placeholder || "Choose an option"),
      options.map((o, i) => h("option", { value: i, selected: chosen.includes(o.value) }, o.text.text)));
    select.addEventListener("change", () => {
      if (multi) {
        const picked = [...select.selectedOptions].map((o) => option(options[o.value]));
        keep({ type, selected_options: picked }, { selected_options: picked });
      } else {
        const picked = select.value === "" ? null : option(options[select.value]);
        keep({ type, selected_option: picked }, { selected_option: picked });
      }
    });
    return select;
  }
  if (type === "radio_buttons" || type === "checkboxes") {
    const multi = type === "checkboxes";
    const chosen = multi ? (value.selected_options || []).map((o) => o.value) : [value.selected_option && value.selected_option.value];
    const name = `${surfaceKey(surface)}-${block.block_id}-${element.action_id}`;
    const wrapper = h("div", { className: "bk-choices", id, role: multi ? "group" : "radiogroup", dataset });
    element.options.forEach((o) => {
      const input = h("input", { type: multi ? "checkbox" : "radio", name, value: o.value, checked: chosen.includes(o.value) });
      input.addEventListener("change", () => {
        if (multi) {
          const picked = element.options.filter((x) => $(`input[value="${CSS.escape(x.value)}"]`, wrapper).checked).map(option);
          keep({ type, selected_options: picked }, { selected_options: picked });
        } else {
          keep({ type, selected_option: option(o) }, { selected_option: option(o) });
        }
      });
      wrapper.append(h("label", {}, input, h("span", {}, textObject(o.text),
        o.description ? h("div", { className: "description" }, textObject(o.description)) : null)));
    });
    return wrapper;
  }
  if (type === "datepicker") {
    const input = h("input", { id, type: "date", className: "bk-date", value: value.selected_date || "", dataset });
    input.addEventListener("change", () => keep({ type, selected_date: input.value || null }, { selected_date: input.value || null }));
    return input;
  }
  if (type === "timepicker") {
    const input = h("input", { id, type: "time", className: "bk-time", value: value.selected_time || "", dataset });
    input.addEventListener("change", () => {
      const next = { type, selected_time: input.value || null, ...(element.timezone ? { timezone: element.timezone } : {}) };
      keep(next, { selected_time: next.selected_time });
    });
    return input;
  }
  if (type === "datetimepicker") {
    const local = value.selected_date_time ? new Date(value.selected_date_time * 1000).toISOString().slice(0, 16) : "";
    const input = h("input", { id, type: "datetime-local", className: "bk-date", value: local, dataset });
    input.addEventListener("change", () => {
      const seconds = input.value ? Math.floor(new Date(input.value + "Z").getTime() / 1000) : null;
      keep({ type, selected_date_time: seconds }, { selected_date_time: seconds });
    });
    return input;
  }
  if (/^(multi_)?(users|conversations|channels)_select$/.test(type)) {
    return renderPicker(element, value, keep, id, placeholder, dataset);
  }
  return h("span", { className: "bk-unknown" }, `(${type})`);
}

function renderPicker(element, value, keep, id, placeholder, dataset) {
  // People, conversations and channels of the sandbox's workspace, as Slack lists them.
  const type = element.type;
  const multi = type.startsWith("multi_");
  const kind = type.replace(/^multi_/, "").replace(/_select$/, "");
  const field = { users: "user", conversations: "conversation", channels: "channel" }[kind];
  const include = (element.filter && element.filter.include) || null;
  let choices;
  if (kind === "users") {
    choices = state.data.people.filter((p) => !p.is_bot).map((p) => ({ id: p.id, label: p.real_name }));
  } else {
    choices = state.data.conversations.filter((c) => {
      if (kind === "channels") return c.kind === "channel";
      const typeName = { channel: "public", private: "private", im: "im" }[c.kind];
      return include ? include.includes(typeName) : true;
    }).map((c) => ({ id: c.id, label: c.kind === "im" ? "Kindness (DM)" : `#${c.name}` }));
  }
  const chosen = multi ? value[`selected_${field}s`] || [] : [value[`selected_${field}`]];
  const select = h("select", { id, className: "bk-select", dataset, multiple: multi },
    multi ? null : h("option", { value: "" }, placeholder || "Choose…"),
    choices.map((c) => h("option", { value: c.id, selected: chosen.includes(c.id) }, c.label)));
  select.addEventListener("change", () => {
    if (multi) {
      const picked = [...select.selectedOptions].map((o) => o.value);
      keep({ type, [`selected_${field}s`]: picked }, { [`selected_${field}s`]: picked });
    } else {
      const picked = select.value || null;
      keep({ type, [`selected_${field}`]: picked }, { [`selected_${field}`]: picked });
    }
  });
  return select;
}

function confirmDialog({ title, text, confirm, deny = "Cancel", danger = false }) {
  return new Promise((resolve) => {
    const done = (answer) => { overlay.remove(); resolve(answer); };
    const body = typeof text === "string" ? text : textObject(text);
    const dialog = h("div", { className: "dialog", role: "alertdialog", "aria-label": title },
      h("h3", {}, title), h("div", { className: "text" }, body),
      h("div", { className: "buttons" },
        h("button", { type: "button", onclick: () => done(false) }, deny),
        h("button", { type: "button", className: `confirm ${danger ? "danger" : ""}`, onclick: () => done(true) }, confirm)));
    const overlay = h("div", { className: "overlay" }, dialog);
    $("#dialog-root").append(overlay);
    $(".confirm", dialog).focus();
  });
}

// ---------------------------------------------------------------------------------------------
// mrkdwn: Slack's message formatting, into DOM nodes (never into HTML strings)
// ---------------------------------------------------------------------------------------------

const EMOJI = {
  seedling: "🌱", white_check_mark: "✅", heavy_check_mark: "✔️", tada: "🎉", heart: "❤️",
  "+1": "👍", thumbsup: "👍", wave: "👋", sparkles: "✨", star: "⭐", bulb: "💡", memo: "📝",
  calendar: "📅", bar_chart: "📊", chart_with_upwards_trend: "📈", lock: "🔒", hourglass: "⌛",
  bell: "🔔", no_bell: "🔕", warning: "⚠️", x: "❌", pray: "🙏", raised_hands: "🙌",
  speech_balloon: "💬", thinking_face: "🤔", clap: "👏", hugging_face: "🤗", sunflower: "🌻",
  herb: "🌿", leaves: "🍃", blossom: "🌼", muscle: "💪", eyes: "👀", point_right: "👉",
  mailbox: "📫", inbox_tray: "📥", outbox_tray: "📤", page_facing_up: "📄", clipboard: "📋",
  mag: "🔍", books: "📚", handshake: "🤝", smile: "😄", slightly_smiling_face: "🙂",
};

function emoji(name) {
  return EMOJI[name] || `:${name}:`;
}

function emojify(text) {
  return (text || "").replace(/:([a-z0-9_+\-']+):/g, (all, name) => EMOJI[name] || all);
}

function unescapeSlack(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function mrkdwn(text, verbatim = false) {
  const fragment = document.createDocumentFragment();
  const parts = (text || "").split(/```/);
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      fragment.append(h("pre", {}, unescapeSlack(part.replace(/^\n/, "").replace(/\n$/, ""))));
      return;
    }
    const lines = part.split("\n");
    let quote = null;
    lines.forEach((line, i) => {
      const quoted = line.match(/^(&gt;|>)\s?(.*)$/);
      if (quoted) {
        if (!quote) {
          quote = h("blockquote", {});
          fragment.append(quote);
        } else {
          quote.append("\n");
        }
        quote.append(...inline(quoted[2], verbatim));
        return;
      }
      quote = null;
      fragment.append(...inline(line, verbatim));
      if (i < lines.length - 1) fragment.append("\n");
    });
  });
  return fragment;
}

const INLINE = [
  { re: /`([^`\n]+)`/, make: (m) => h("code", {}, unescapeSlack(m[1])) },
  { re: /<([^<>\n]+)>/, make: (m) => special(m[1]) },
  { re: /(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])/, make: (m, v) => h("b", {}, ...inline(m[1], v)), styled: true },
  { re: /(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])/, make: (m, v) => h("i", {}, ...inline(m[1], v)), styled: true },
  { re: /(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])/, make: (m, v) => h("s", {}, ...inline(m[1], v)), styled: true },
];

function inline(text, verbatim) {
  // Finds the earliest construct, renders the text before it, recurses after it.
  const nodes = [];
  let rest = text;
  while (rest) {
    let best = null;
    for (const rule of INLINE) {
      if (verbatim && rule.styled) continue;
      const match = rule.re.exec(rest);
      if (match && (!best || match.index < best.match.index)) best = { rule, match };
    }
    if (!best) {
      nodes.push(document.createTextNode(emojify(unescapeSlack(rest))));
      break;
    }
    if (best.match.index) nodes.push(document.createTextNode(emojify(unescapeSlack(rest.slice(0, best.match.index)))));
    nodes.push(best.rule.make(best.match, verbatim));
    rest = rest.slice(best.match.index + best.match[0].length);
  }
  return nodes;
}

function special(token) {
  // <@U123>, <#C123|name>, <!here>, <!subteam^S1|@team>, <!date^…|fallback>, <url|label>.
  const [target, label] = splitOnce(token, "|");
  if (target.startsWith("@")) {
    return h("span", { className: "mention", title: target.slice(1) }, "@" + displayName(target.slice(1)));
  }
  if (target.startsWith("#")) {
    const conv = conversation(target.slice(1));
    return h("a", { className: "mention", href: "#", onclick: (e) => { e.preventDefault(); if (conv) openChannel(conv.id); } },
      "#" + (conv ? conv.name : label || target.slice(1)));
  }
  if (target.startsWith("!date^")) return h("span", { title: label || "" }, slackDate(target, label));
  if (target.startsWith("!subteam^")) return h("span", { className: "mention special" }, label || "@team");
  if (target.startsWith("!")) return h("span", { className: "mention special" }, "@" + target.slice(1).split("^")[0]);
  const href = unescapeSlack(target);
  if (!/^(https?:|mailto:)/i.test(href)) return document.createTextNode(unescapeSlack(label || target));
  const link = h("a", { href, target: "_blank", rel: "noopener noreferrer" }, emojify(unescapeSlack(label || target)));
  const archive = href.match(/\/archives\/([A-Z0-9]+)\/p(\d{10})(\d{6})/);
  if (archive) {
    // A Slack permalink: open the message here instead of at slack.com.
    link.addEventListener("click", (event) => {
      event.preventDefault();
      jumpTo(archive[1], `${archive[2]}.${archive[3]}`, (href.match(/thread_ts=([\d.]+)/) || [])[1]);
    });
  }
  return link;
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text, null] : [text.slice(0, at), text.slice(at + 1)];
}

function slackDate(target, fallback) {
  const [, seconds, format] = target.split("^");
  const date = new Date(parseInt(seconds, 10) * 1000);
  if (Number.isNaN(date.getTime())) return fallback || "";
  const parts = {
    "{date_num}": formatTime(date, { year: "numeric", month: "2-digit", day: "2-digit" }).split("/").reverse().join("-"),
    "{date}": formatTime(date, { day: "numeric", month: "long", year: "numeric" }),
    "{date_short}": formatTime(date, { day: "numeric", month: "short", year: "numeric" }),
    "{date_long}": formatTime(date, { weekday: "long", day: "numeric", month: "long", year: "numeric" }),
    "{date_pretty}": formatTime(date, { day: "numeric", month: "long", year: "numeric" }),
    "{date_short_pretty}": formatTime(date, { day: "numeric", month: "short", year: "numeric" }),
    "{date_long_pretty}": formatTime(date, { weekday: "long", day: "numeric", month: "long", year: "numeric" }),
    "{time}": formatTime(date, { hour: "2-digit", minute: "2-digit" }),
    "{time_secs}": formatTime(date, { hour: "2-digit", minute: "2-digit", second: "2-digit" }),
  };
  return (format || "{date_short}").replace(/\{[a-z_]+\}/g, (token) => parts[token] || token);
}

function richText(block) {
  const out = [];
  const walk = (elements) => {
    for (const el of elements || []) {
      if (el.type === "text") out.push(el.text);
      else if (el.type === "link") out.push(el.text || el.url);
      else if (el.type === "user") out.push("@" + displayName(el.user_id));
      else if (el.type === "emoji") out.push(emoji(el.name));
      else if (el.elements) walk(el.elements);
    }
  };
  walk(block.elements);
  return out.join("");
}

function jumpTo(channel, ts, threadTs) {
  const conv = conversation(channel);
  if (!conv) {
    toast("That message is not in the sandbox.", true);
    return;
  }
  if (conv.kind === "im") openApp("messages");
  else openChannel(channel);
  if (threadTs && threadTs !== ts) openThread(channel, threadTs);
  setTimeout(() => {
    const node = document.querySelector(`[data-ts="${CSS.escape(ts)}"]`);
    if (node) {
      node.scrollIntoView({ block: "center" });
      node.classList.add("highlight");
      setTimeout(() => node.classList.remove("highlight"), 2500);
    }
  }, 50);
}

// ---------------------------------------------------------------------------------------------
// Composers, the member switcher, the clock panel
// ---------------------------------------------------------------------------------------------

function wireComposer(form, target) {
  const textarea = $("textarea", form);
  const hints = $(".command-hints", form);
  const send = async () => {
    const text = textarea.value;
    if (!text.trim()) return;
    const where = target();
    if (!where) return;
    textarea.value = "";
    if (hints) hints.hidden = true;
    await api("send", { text, ...where });
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); send(); });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  textarea.addEventListener("input", () => {
    textarea.style.height = "auto";
    textarea.style.height = `${Math.min(textarea.scrollHeight, 180)}px`;
    if (!hints || !state.data) return;
    const word = textarea.value.split(" ")[0];
    const matches = textarea.value.startsWith("/") && !textarea.value.includes(" ")
      ? state.data.app.commands.filter((c) => c.startsWith(word)) : [];
    hints.hidden = !matches.length;
    hints.replaceChildren(...matches.map((c) => h("div", {}, h("strong", {}, c), " ",
      h("span", { className: "muted" }, "help · goals · log … · mine · search … · digest · stats · settings"))));
  });
}

function selectMember(id) {
  state.user = id;
  state.signatures = {};
  state.version = "";
  localStorage.setItem("kindness-sandbox-member", id);
  const url = new URL(window.location.href);
  url.searchParams.set("member", id);
  history.replaceState(null, "", url);
  refresh(true).then(() => {
    if (state.place.kind === "app") api("open_app", { tab: state.tab });
  });
}

async function boot() {
  wireComposer($("#composer"), () => {
    const conv = currentConversation();
    return conv ? { channel: conv.id } : null;
  });
  wireComposer($("#thread-composer"), () => state.thread ? { channel: state.thread.channel, thread_ts: state.thread.ts } : null);
  $(".close-thread").addEventListener("click", () => { state.thread = null; render(); });
  for (const button of document.querySelectorAll("#app-tabs button")) {
    button.addEventListener("click", () => openApp(button.dataset.tab));
  }
  for (const button of document.querySelectorAll("#clock-panel [data-step]")) {
    button.addEventListener("click", () => busy(button, api("clock", { step: button.dataset.step })));
  }
  for (const button of document.querySelectorAll("#clock-panel [data-job]")) {
    button.addEventListener("click", () => busy(button, api("job", { job: button.dataset.job })));
  }
  $("#add-examples").addEventListener("click", (event) => busy(event.target, api("examples", {})));
  $("#make-report").addEventListener("click", (event) => busy(event.target, api("report", {}).then((made) => {
    if (!made.url) return;
    const link = $("#report-link");
    link.href = made.url;
    link.textContent = `Open ${made.filename}`;
    link.hidden = false;
  })));
  $("#member").addEventListener("change", (event) => selectMember(event.target.value));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const dialog = $("#dialog-root .overlay");
    if (dialog) dialog.remove();
    else if (state.data && state.data.modals.length) api("close", { view_id: state.data.modals[state.data.modals.length - 1].id });
  });
  // The first person of the workspace, unless the address or this browser chose another.
  const known = await fetch("/sandbox/api/people").then((r) => r.json()).catch(() => ({ people: [] }));
  const people = known.people.map((p) => p.id);
  const wanted = new URL(window.location.href).searchParams.get("member") || localStorage.getItem("kindness-sandbox-member");
  selectMember(people.includes(wanted) ? wanted : people[0]);
  startPolling();
}

async function busy(button, promise) {
  button.disabled = true;
  try {
    await promise;
  } finally {
    button.disabled = false;
  }
}

boot();
