/* app/live/sdlview.c — the Figure 2 window (see sdlview.h for the contract).
 *
 * Design: the engine renders the grid into an RGB8 buffer owned by the view
 * (the same renderer as the PNG export, so window and file agree pixel for
 * pixel); the buffer goes into a streaming texture of exactly its size, and
 * every present scales that texture into the largest rectangle of the same
 * aspect ratio that fits the window, nearest-neighbour. The buffer is kept
 * so expose events, resizes and read-backs can re-present without the
 * tiles. Main thread only.
 */
#include "live/sdlview.h"
#include "live/export.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZOOM 2              /* initial window pixels per grid pixel */
#define DEFAULT_W 640
#define DEFAULT_H 360

struct sdlview {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    uint8_t *rgb;           /* the picture, tex_w x tex_h RGB8 */
    size_t cap;
    int tex_w, tex_h;
    int set_w, set_h;       /* the size we last asked the window to have */
    int user_sized;         /* the user resized the window: stop following the grid */
};

static void quiet_log(void *user, int category, SDL_LogPriority priority, const char *msg)
{
    (void)user;
    (void)category;
    (void)priority;
    (void)msg;
}

static void set_note(char *note, size_t cap, const char *fmt, const char *arg)
{
    if (note && cap)
        snprintf(note, cap, fmt, arg);
}

irvi_grid_opts sdlview_grid_opts(void)
{
    irvi_grid_opts o = {2, 2, 1, 1};
    return o;
}

sdlview *sdlview_open(const char *title, char *note, size_t note_cap)
{
    const char *x11 = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    if ((!x11 || !x11[0]) && (!wl || !wl[0])) {
        set_note(note, note_cap, "no display (DISPLAY unset)%s", "");
        return NULL;
    }
    /* before SDL_Init: keep SIGINT/SIGTERM for the terminal UI, never blur */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "nearest");
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    SDL_LogSetOutputFunction(quiet_log, NULL);
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        set_note(note, note_cap, "no display: SDL video: %s", SDL_GetError());
        SDL_Quit();
        return NULL;
    }
    sdlview *v = calloc(1, sizeof *v);
    if (!v) {
        set_note(note, note_cap, "SDL window: out of memory%s", "");
        SDL_Quit();
        return NULL;
    }
    v->win = SDL_CreateWindow(title ? title : "irvi", SDL_WINDOWPOS_UNDEFINED,
                              SDL_WINDOWPOS_UNDEFINED, DEFAULT_W, DEFAULT_H,
                              SDL_WINDOW_RESIZABLE);
    if (v->win) {
        /* no vsync: a present must never stall the UI loop */
        v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_ACCELERATED);
        if (!v->ren)
            v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
    }
    if (!v->win || !v->ren) {
        set_note(note, note_cap, "no SDL window: %s", SDL_GetError());
        sdlview_close(v);
        return NULL;
    }
    v->set_w = DEFAULT_W;
    v->set_h = DEFAULT_H;
    SDL_SetWindowMinimumSize(v->win, 160, 90);
    SDL_StartTextInput();
    return v;
}

void sdlview_close(sdlview *v)
{
    if (!v)
        return;
    if (v->tex)
        SDL_DestroyTexture(v->tex);
    if (v->ren)
        SDL_DestroyRenderer(v->ren);
    if (v->win)
        SDL_DestroyWindow(v->win);
    free(v->rgb);
    free(v);
    SDL_Quit();
}

/* Largest rectangle of the picture's aspect ratio inside ww x wh, centred. */
static void fit(int ww, int wh, int tw, int th, SDL_Rect *r)
{
    if (tw < 1 || th < 1 || ww < 1 || wh < 1) {
        *r = (SDL_Rect){0, 0, ww, wh};
        return;
    }
    if ((long long)ww * th <= (long long)wh * tw) {
        r->w = ww;
        r->h = (int)((long long)th * ww / tw);
    } else {
        r->h = wh;
        r->w = (int)((long long)tw * wh / th);
    }
    r->x = (ww - r->w) / 2;
    r->y = (wh - r->h) / 2;
}

static void compose(sdlview *v, SDL_Rect *dst_out)
{
    int ww = 0, wh = 0;
    SDL_GetRendererOutputSize(v->ren, &ww, &wh);
    SDL_Rect dst;
    fit(ww, wh, v->tex_w, v->tex_h, &dst);
    SDL_SetRenderDrawColor(v->ren, (IRVI_GRID_BG >> 16) & 0xFF, (IRVI_GRID_BG >> 8) & 0xFF,
                           IRVI_GRID_BG & 0xFF, 255);
    SDL_RenderClear(v->ren);
    if (v->tex)
        SDL_RenderCopy(v->ren, v->tex, NULL, &dst);
    if (dst_out)
        *dst_out = dst;
}

static void present(sdlview *v)
{
    compose(v, NULL);
    SDL_RenderPresent(v->ren);
}

/* Make room for a w x h picture: buffer and texture of exactly that size. */
static int reserve(sdlview *v, int w, int h)
{
    size_t need = (size_t)w * (size_t)h * 3;
    if (need > v->cap) {
        uint8_t *p = realloc(v->rgb, need);
        if (!p)
            return -1;
        v->rgb = p;
        v->cap = need;
    }
    if (v->tex && v->tex_w == w && v->tex_h == h)
        return 0;
    if (v->tex)
        SDL_DestroyTexture(v->tex);
    v->tex = SDL_CreateTexture(v->ren, SDL_PIXELFORMAT_RGB24, SDL_TEXTUREACCESS_STREAMING, w, h);
    v->tex_w = v->tex ? w : 0;
    v->tex_h = v->tex ? h : 0;
    if (!v->tex)
        return -1;
    SDL_SetTextureScaleMode(v->tex, SDL_ScaleModeNearest);
    return 0;
}

/* Until the user resizes it, the window shows the grid at ZOOM x (1 x, or
 * smaller with the aspect kept, when that does not fit the screen). */
static void follow_grid(sdlview *v)
{
    if (v->user_sized)
        return;
    SDL_Rect ub;
    int d = SDL_GetWindowDisplayIndex(v->win);
    if (d < 0 || SDL_GetDisplayUsableBounds(d, &ub) != 0)
        ub = (SDL_Rect){0, 0, 1280, 800};
    int maxw = ub.w * 9 / 10, maxh = ub.h * 9 / 10;
    int w = v->tex_w * ZOOM, h = v->tex_h * ZOOM;
    if (w > maxw || h > maxh) {
        w = v->tex_w;
        h = v->tex_h;
    }
    if (w > maxw || h > maxh) {
        SDL_Rect r;
        fit(maxw, maxh, v->tex_w, v->tex_h, &r);
        w = r.w;
        h = r.h;
    }
    if (w != v->set_w || h != v->set_h) {
        SDL_SetWindowSize(v->win, w, h);
        v->set_w = w;
        v->set_h = h;
        /* grown past the screen edge: move it back in (top-left stays put
         * otherwise, as window managers expect) */
        int x, y;
        SDL_GetWindowPosition(v->win, &x, &y);
        int nx = x + w > ub.x + ub.w ? ub.x + ub.w - w : x;
        int ny = y + h > ub.y + ub.h ? ub.y + ub.h - h : y;
        nx = nx < ub.x ? ub.x : nx;
        ny = ny < ub.y ? ub.y : ny;
        if (nx != x || ny != y)
            SDL_SetWindowPosition(v->win, nx, ny);
    }
}

/* A one-line message instead of the grid. */
static void draw_message(sdlview *v, const char *msg)
{
    int ts = 1, m = 8;
    int w = irvi_text_width(msg, ts) + 2 * m, h = irvi_text_height(ts) + 2 * m;
    if (reserve(v, w, h) != 0)
        return;
    for (size_t i = 0; i < (size_t)w * h; i++) {
        v->rgb[3 * i] = (IRVI_GRID_BG >> 16) & 0xFF;
        v->rgb[3 * i + 1] = (IRVI_GRID_BG >> 8) & 0xFF;
        v->rgb[3 * i + 2] = IRVI_GRID_BG & 0xFF;
    }
    irvi_text_draw(v->rgb, w, h, m, m, msg, IRVI_GRID_TEXT, ts);
}

void sdlview_draw(sdlview *v, const app_tiles *t)
{
    if (!v)
        return;
    int w = 0, h = 0, ok = 0;
    irvi_grid g;
    irvi_grid_opts o = sdlview_grid_opts();
    if (t && t->n >= 1) {
        export_tiles_grid(t, &g);
        if (irvi_grid_size(&g, &o, &w, &h) == IRVI_OK && reserve(v, w, h) == 0 &&
            irvi_grid_render(&g, &o, v->rgb, v->cap) == IRVI_OK)
            ok = 1;
        else {
            char msg[200];
            snprintf(msg, sizeof msg, "cannot draw the digits: %s", irvi_last_error());
            draw_message(v, msg);
        }
    } else
        draw_message(v, "no digits chosen yet");
    if (v->tex)
        SDL_UpdateTexture(v->tex, NULL, v->rgb, v->tex_w * 3);
    if (ok)
        follow_grid(v);
    present(v);
}

void sdlview_draw_rgb(sdlview *v, const uint8_t *rgb, int w, int h, const char *msg)
{
    if (!v)
        return;
    int ok = rgb && w > 0 && h > 0 && reserve(v, w, h) == 0;
    if (ok)
        memcpy(v->rgb, rgb, (size_t)3 * w * h);
    else
        draw_message(v, msg ? msg : "nothing to show yet");
    if (v->tex)
        SDL_UpdateTexture(v->tex, NULL, v->rgb, v->tex_w * 3);
    if (ok)
        follow_grid(v);
    present(v);
}

/* The key as the terminal would deliver it, or 0 to ignore the event. */
static int key_of(const SDL_KeyboardEvent *k)
{
    SDL_Keycode sym = k->keysym.sym;
    Uint16 mod = k->keysym.mod;
    if ((mod & KMOD_CTRL) && sym >= SDLK_a && sym <= SDLK_z)
        return (int)(sym - SDLK_a + 1);
    /* printable keys without Ctrl/Alt/GUI arrive as SDL_TEXTINPUT, with
     * shift and keyboard layout applied */
    if (sym >= 32 && sym <= 126 && !(mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI)))
        return 0;
    switch (sym) {
    case SDLK_LSHIFT: case SDLK_RSHIFT: case SDLK_LCTRL: case SDLK_RCTRL:
    case SDLK_LALT: case SDLK_RALT: case SDLK_LGUI: case SDLK_RGUI:
    case SDLK_CAPSLOCK: case SDLK_NUMLOCKCLEAR: case SDLK_MODE:
        return 0;
    case SDLK_KP_ENTER:
        return SDLK_RETURN;
    default:
        return (int)sym;
    }
}

int sdlview_poll(sdlview *v, int *key)
{
    if (!v)
        return 0;
    int flags = 0, redraw = 0;
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        int k = 0;
        switch (e.type) {
        case SDL_QUIT:
            flags |= SDLVIEW_CLOSED;
            break;
        case SDL_WINDOWEVENT:
            switch (e.window.event) {
            case SDL_WINDOWEVENT_CLOSE:
                flags |= SDLVIEW_CLOSED;
                break;
            case SDL_WINDOWEVENT_RESIZED:
                if (e.window.data1 != v->set_w || e.window.data2 != v->set_h)
                    v->user_sized = 1;
                redraw = 1;
                break;
            case SDL_WINDOWEVENT_SIZE_CHANGED:
            case SDL_WINDOWEVENT_EXPOSED:
            case SDL_WINDOWEVENT_SHOWN:
            case SDL_WINDOWEVENT_RESTORED:
                redraw = 1;
                break;
            default:
                break;
            }
            break;
        case SDL_RENDER_TARGETS_RESET:
        case SDL_RENDER_DEVICE_RESET:
            if (v->tex && v->rgb)
                SDL_UpdateTexture(v->tex, NULL, v->rgb, v->tex_w * 3);
            redraw = 1;
            break;
        case SDL_KEYDOWN:
            k = key_of(&e.key);
            break;
        case SDL_TEXTINPUT: {
            unsigned char c = (unsigned char)e.text.text[0];
            if (c >= 32 && c <= 126 && e.text.text[1] == 0)
                k = c;
            break;
        }
        default:
            break;
        }
        if (k) {
            if (key)
                *key = k;
            flags |= SDLVIEW_KEY;
            break;   /* one key per call: the rest stays queued */
        }
    }
    if (redraw && !(flags & SDLVIEW_CLOSED))
        present(v);
    return flags;
}

void sdlview_geometry(sdlview *v, int *tex_w, int *tex_h, int dst[4])
{
    int ww = 0, wh = 0;
    if (v)
        SDL_GetRendererOutputSize(v->ren, &ww, &wh);
    SDL_Rect r;
    fit(ww, wh, v ? v->tex_w : 0, v ? v->tex_h : 0, &r);
    if (tex_w)
        *tex_w = v ? v->tex_w : 0;
    if (tex_h)
        *tex_h = v ? v->tex_h : 0;
    if (dst) {
        dst[0] = r.x;
        dst[1] = r.y;
        dst[2] = r.w;
        dst[3] = r.h;
    }
}

int sdlview_read_pixels(sdlview *v, uint8_t *rgb, int *w, int *h)
{
    if (!v || !w || !h)
        return -1;
    int ww = 0, wh = 0;
    if (SDL_GetRendererOutputSize(v->ren, &ww, &wh) != 0)
        return -1;
    if (!rgb) {
        *w = ww;
        *h = wh;
        return 0;
    }
    if (*w != ww || *h != wh)
        return -1;
    /* the back buffer is undefined after a present: compose again, read,
     * then show it */
    compose(v, NULL);
    int rc = SDL_RenderReadPixels(v->ren, NULL, SDL_PIXELFORMAT_RGB24, rgb, ww * 3);
    SDL_RenderPresent(v->ren);
    return rc == 0 ? 0 : -1;
}
