// The only JavaScript the pages ship, inlined with the response's CSP nonce. Forms work without it.
// 1. Double-submit guard: a completed Kratos flow is consumed, so a second POST of the same form fails
//    and looks like a wrong password (issue 3). The first submit wins; later ones are cancelled.
//    The clicked button's name/value (`method=password`) is copied into a hidden input before the
//    buttons are disabled, because disabled buttons are left out of the form data.
// 2. WebAuthn/passkey triggers: Kratos names a global from its script (`oryWebAuthnLogin`, …) in
//    `onclickTrigger`/`onloadTrigger`; we call it, retrying while the script loads (Ory Elements'
//    `triggerToWindowCall` behaviour), instead of rendering Kratos's inline `onclick`.
export const CLIENT_SCRIPT = `(function(){
"use strict";
function call(name){var n=0;(function go(){var f=window[name];
if(typeof f==="function"){f();return}if(++n<100)setTimeout(go,100)})()}
document.addEventListener("submit",function(e){var f=e.target;
if(!(f instanceof HTMLFormElement)||!f.hasAttribute("data-vestibule-form"))return;
if(f.getAttribute("data-submitted")==="true"){e.preventDefault();return}
f.setAttribute("data-submitted","true");var s=e.submitter;
if(s&&s.name){var h=document.createElement("input");h.type="hidden";h.name=s.name;h.value=s.value;f.appendChild(h)}
var b=f.querySelectorAll("button,input[type=submit]");for(var i=0;i<b.length;i++){b[i].disabled=true}
},true);
window.addEventListener("pageshow",function(e){if(!e.persisted)return;
var fs=document.querySelectorAll("form[data-submitted]");for(var i=0;i<fs.length;i++){fs[i].removeAttribute("data-submitted");
var b=fs[i].querySelectorAll("button,input[type=submit]");for(var j=0;j<b.length;j++){b[j].disabled=false}}});
document.addEventListener("click",function(e){var t=e.target instanceof Element?e.target.closest("[data-ory-trigger]"):null;
if(t){e.preventDefault();call(t.getAttribute("data-ory-trigger"))}});
var l=document.querySelectorAll("[data-ory-onload]");for(var k=0;k<l.length;k++){call(l[k].getAttribute("data-ory-onload"))}
})();`;
